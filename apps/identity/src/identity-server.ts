import { startService, type ServiceOptions } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { IdentityModule } from './identity.module.js';
import { startupWarnings, type IdentityConfig } from './config.js';
import { TokenFastPath } from './oauth/token-fast-path.js';

/** How identity is assembled, shared by the entry point and the tests that start it in-process. */
export function identityServiceOptions(config: IdentityConfig, logger: Logger): ServiceOptions {
  return {
    module: IdentityModule.forRoot(config, logger),
    serviceName: 'identity',
    logger,
    host: config.HOST,
    port: config.IDENTITY_PORT,
    trustProxy: config.TRUSTED_PROXIES,
    interceptRequests: (app) => app.get(TokenFastPath).intercept,
    openapi: {
      title: 'Portcullis identity',
      description: 'OAuth2 authorization server and management API.',
      version: '1',
    },
  };
}

export async function runIdentityServer(
  config: IdentityConfig,
  logger: Logger,
  telemetry: { shutdown(): Promise<void> },
): Promise<void> {
  for (const warning of startupWarnings(config)) logger.warn(warning);
  const app = await startService(identityServiceOptions(config, logger));
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
