import { loadConfigOrExit } from '@portcullis/config';
import { createLogger, startTelemetry } from '@portcullis/telemetry';
import { loadAuditConfig } from './config.js';

// Telemetry starts before the server modules load, so their http and pg calls are instrumented.
const config = loadConfigOrExit('audit', () => loadAuditConfig());
const telemetry = await startTelemetry({ serviceName: 'portcullis-audit' });
const logger = createLogger({ name: 'audit', level: config.LOG_LEVEL });
const { runAuditServer } = await import('./audit-server.js');
await runAuditServer(config, logger, telemetry);
