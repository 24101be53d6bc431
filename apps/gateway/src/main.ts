import { loadConfigOrExit } from '@portcullis/config';
import { createLogger, startTelemetry } from '@portcullis/telemetry';
import { loadGatewayConfig } from './config.js';

// Telemetry starts before the server modules load, so their http and pg calls are instrumented.
const config = loadConfigOrExit('gateway', () => loadGatewayConfig());
// The pipeline makes its own server span per request (cheaper than the generic http one).
const telemetry = await startTelemetry({
  serviceName: 'portcullis-gateway',
  incomingHttpSpans: false,
});
const logger = createLogger({ name: 'gateway', level: config.LOG_LEVEL });
const { runGatewayServer } = await import('./gateway-server.js');
await runGatewayServer(config, logger, telemetry);
