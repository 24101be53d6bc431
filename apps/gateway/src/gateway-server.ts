import { startService } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { GatewayModule } from './gateway.module.js';
import type { GatewayConfig } from './config.js';

export async function runGatewayServer(
  config: GatewayConfig,
  logger: Logger,
  telemetry: { shutdown(): Promise<void> },
): Promise<void> {
  const app = await startService({
    module: GatewayModule.forRoot(config, logger),
    serviceName: 'gateway',
    logger,
    host: config.HOST,
    port: config.GATEWAY_PORT,
    openapi: {
      title: 'Portcullis gateway',
      description:
        'Operations endpoints of the data plane (the proxied APIs are documented by their owners).',
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
