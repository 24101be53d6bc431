import { startService, type ServiceOptions } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { AuditModule } from './audit.module.js';
import type { AuditConfig } from './config.js';

/** How audit is assembled, shared by the entry point and the tests that start it in-process. */
export function auditServiceOptions(config: AuditConfig, logger: Logger): ServiceOptions {
  return {
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
  };
}

export async function runAuditServer(
  config: AuditConfig,
  logger: Logger,
  telemetry: { shutdown(): Promise<void> },
): Promise<void> {
  const app = await startService(auditServiceOptions(config, logger));
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
