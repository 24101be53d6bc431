import { loadConfigOrExit } from '@portcullis/config';
import { createLogger, startTelemetry } from '@portcullis/telemetry';
import { loadIdentityConfig } from './config.js';
import { TOKEN_PATH } from './oauth/issuer.js';

// Telemetry starts before the server modules load, so their http and pg calls are instrumented.
const config = loadConfigOrExit('identity', () => loadIdentityConfig());
// The token endpoint's fast path makes its own server spans.
const telemetry = await startTelemetry({
  serviceName: 'portcullis-identity',
  ownServerSpanPaths: [TOKEN_PATH],
});
const logger = createLogger({ name: 'identity', level: config.LOG_LEVEL });
const { runIdentityServer } = await import('./identity-server.js');
await runIdentityServer(config, logger, telemetry);
