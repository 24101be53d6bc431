import { startService } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { AuditModule } from './audit.module.js';
import type { AuditConfig } from './config.js';

export async function runAuditServer(
  config: AuditConfig,
  logger: Logger,
  telemetry: { shutdown(): Promise<void> },
): Promise<void> {
  const app = await startService({
    module: AuditModule.forRoot(config, logger),
    serviceName: 'audit',
    logger,
    host: config.HOST,
    port: config.AUDIT_PORT,
    trustProxy: config.TRUSTED_PROXIES,
    openapi: {
      title: 'Portcullis audit',
      description: 'Audit store, search, SIEM export and anomaly alerts.',
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
