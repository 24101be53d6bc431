import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService } from '@portcullis/nest-service';
import { createLogger } from '@portcullis/telemetry';
import { loadIdentityConfig, type IdentityConfig } from '../../src/config.js';
import { identityServiceOptions } from '../../src/identity-server.js';

export interface IdentityTestApp {
  app: NestFastifyApplication;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  config: IdentityConfig;
  close(): Promise<void>;
}

/**
 * Starts the real identity service in this process on a free port, against the test database
 * and broker that tools/test/global-setup.ts prepared. `env` overrides variables for one test.
 */
export async function startIdentity(env: Record<string, string> = {}): Promise<IdentityTestApp> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'identity-spool-'));
  const baseConfig = loadIdentityConfig({ ...process.env, SPOOL_DIR: spoolDir, ...env });
  const logger = createLogger({ name: 'identity-test', level: process.env.LOG_LEVEL ?? 'warn' });
  // The issuer must match the URL clients discover, so bind first, then fix the issuer.
  const app = await createService(identityServiceOptions(baseConfig, logger));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) throw new Error('identity did not bind');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    config: baseConfig,
    close: () => app.close(),
  };
}
