import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService } from '@portcullis/nest-service';
import { createLogger } from '@portcullis/telemetry';
import { auditServiceOptions } from '../../src/audit-server.js';
import { loadAuditConfig, type AuditConfig } from '../../src/config.js';

export interface AuditTestApp {
  app: NestFastifyApplication;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  config: AuditConfig;
  close(): Promise<void>;
}

/**
 * Starts the real audit service in this process on a free port, against the test database and
 * broker that tools/test/global-setup.ts prepared. `env` overrides variables for one test (use a
 * unique AUDIT_CONSUMER_GROUP and, for ingest tests, your own topics).
 */
export async function startAudit(env: Record<string, string> = {}): Promise<AuditTestApp> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'audit-spool-'));
  const config = loadAuditConfig({ ...process.env, SPOOL_DIR: spoolDir, ...env });
  const logger = createLogger({ name: 'audit-test', level: process.env.LOG_LEVEL ?? 'warn' });
  const app = await createService(auditServiceOptions(config, logger));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) throw new Error('audit did not bind');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    close: () => app.close(),
  };
}
