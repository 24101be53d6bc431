import { ConfigError } from '@portcullis/config';
import { createLogger, startTelemetry } from '@portcullis/telemetry';
import { loadIdentityConfig } from './config.js';

// Telemetry starts before the server modules load, so their http and pg calls are instrumented.
let config;
try {
  config = loadIdentityConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`identity: ${error.message}`);
  process.exit(78);
}
const telemetry = await startTelemetry({ serviceName: 'portcullis-identity' });
const logger = createLogger({ name: 'identity', level: config.LOG_LEVEL });
const { runIdentityServer } = await import('./identity-server.js');
await runIdentityServer(config, logger, telemetry);
