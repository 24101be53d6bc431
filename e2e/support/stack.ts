import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, waitForReady, type AppProcess } from './app-process.js';
import { DEV_CREDENTIAL_HASH_KEY, DEV_GATEWAY_TOKEN } from './fixtures.js';
import { freePort } from './ports.js';

function commonEnv(): Record<string, string> {
  return {
    DATABASE_URL: process.env.DATABASE_URL!,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    CREDENTIAL_HASH_KEY: DEV_CREDENTIAL_HASH_KEY,
  };
}

/** The real identity service, from its build, on a free port. */
export async function startIdentityProcess(
  name = 'identity',
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const identity = startApp(
    'identity',
    name,
    {
      ...commonEnv(),
      IDENTITY_PORT: String(port),
      IDENTITY_ISSUER: url,
      // Tests fail sign-ins from 127.0.0.1 on purpose (see tools/test/global-setup.ts).
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: process.env.SIGN_IN_MAX_FAILURES_PER_ADDRESS ?? '1000000',
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'e2e-identity-spool-')),
      ...env,
    },
    url,
  );
  await waitForReady(identity);
  return identity;
}

/**
 * The real audit service, from its build, on a free port, in a consumer group of its own; `env`
 * adds or overrides variables (IDENTITY_URL for session checks, its own topics, telemetry).
 */
export async function startAuditProcess(
  name = 'audit',
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const port = await freePort();
  const audit = startApp(
    'audit',
    name,
    {
      ...commonEnv(),
      AUDIT_PORT: String(port),
      AUDIT_CONSUMER_GROUP: `e2e-${name}-${randomBytes(4).toString('hex')}`,
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'e2e-audit-spool-')),
      ...env,
    },
    `http://127.0.0.1:${port}`,
  );
  await waitForReady(audit);
  return audit;
}

export interface GatewayProcessOptions {
  name?: string;
  identity: AppProcess;
  plainHttp?: boolean;
  env?: Record<string, string>;
  /** Default: every readiness check up. */
  accept?: Parameters<typeof waitForReady>[1];
}

/** The real gateway, from its build, on a free port, following the given identity. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<AppProcess> {
  const port = await freePort();
  const plain = options.plainHttp ?? false;
  const name = options.name ?? 'gateway';
  const gateway = startApp(
    'gateway',
    name,
    {
      ...commonEnv(),
      GATEWAY_PORT: String(port),
      GATEWAY_PLAIN_HTTP: String(plain),
      IDENTITY_URL: options.identity.url,
      IDENTITY_ISSUER: options.identity.url,
      GATEWAY_SERVICE_TOKEN: DEV_GATEWAY_TOKEN,
      GATEWAY_ID: `e2e-${name}-${process.pid}-${port}`,
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'e2e-gateway-spool-')),
      ...options.env,
    },
    `${plain ? 'http' : 'https'}://127.0.0.1:${port}`,
  );
  await waitForReady(gateway, options.accept);
  return gateway;
}
