import { startService } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { IdentityModule } from './identity.module.js';
import type { IdentityConfig } from './config.js';

export async function runIdentityServer(
  config: IdentityConfig,
  logger: Logger,
  telemetry: { shutdown(): Promise<void> },
): Promise<void> {
  const app = await startService({
    module: IdentityModule.forRoot(config, logger),
    serviceName: 'identity',
    logger,
    host: config.HOST,
    port: config.IDENTITY_PORT,
    openapi: {
      title: 'Portcullis identity',
      description: 'OAuth2 authorization server and management API.',
      version: '1',
    },
  });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
