import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keyedHash } from '@portcullis/crypto';
import type pg from 'pg';
import { waitFor } from './kafka-helpers.js';

const root = resolve(import.meta.dirname, '../../../..');
const IDENTITY_MAIN = join(root, 'apps/identity/dist/main.js');

export interface IdentityProcess {
  url: string;
  /** The key identity hashes session tokens with (for test fixtures). */
  hashKey: Buffer;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Runs the real identity service as a child process from its build (apps must not import each
 * other): `npx nx run-many -t build` or `npx tsc -p apps/identity/tsconfig.app.json` makes it.
 */
export async function startIdentityProcess(): Promise<IdentityProcess> {
  if (!existsSync(IDENTITY_MAIN)) {
    throw new Error(`${IDENTITY_MAIN} is missing: build identity first (npx nx run-many -t build)`);
  }
  const port = await freePort();
  const hashKey = randomBytes(32);
  const child: ChildProcess = spawn(process.execPath, [IDENTITY_MAIN], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      IDENTITY_PORT: String(port),
      IDENTITY_ISSUER: `http://127.0.0.1:${port}`,
      CREDENTIAL_HASH_KEY: hashKey.toString('base64'),
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'identity-spool-')),
      LOG_LEVEL: 'error',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  await waitFor(async () => {
    if (exited) throw new Error('identity exited during start-up');
    return fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
  }, 60_000);
  return {
    url,
    hashKey,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** An API in identity's catalog (owned by a team of its own); returns its id. */
export async function createCatalogApi(db: pg.Pool): Promise<string> {
  const apiId = randomUUID();
  const ownerTeamId = randomUUID();
  const slug = `audit-${apiId.slice(0, 8)}-${randomBytes(3).toString('hex')}`;
  await db.query(
    `INSERT INTO identity.teams (id, slug, name, updated_at) VALUES ($1, $2, 'API owners', now())`,
    [ownerTeamId, slug],
  );
  await db.query(
    `INSERT INTO identity.apis (id, slug, name, base_path, upstream_url, owner_team_id, updated_at)
     VALUES ($1, $2, 'Audit test API', $3, 'http://127.0.0.1:9', $4, now())`,
    [apiId, slug, `/${slug}`, ownerTeamId],
  );
  return apiId;
}

/** A signed-in person, written straight into identity's tables; returns their session token. */
export async function createPerson(
  db: pg.Pool,
  hashKey: Buffer,
  options: {
    roles?: ('security' | 'admin' | 'approver')[];
    teamId?: string;
    /** Catalog API ids the person is an approver of (identity's per-API approver role). */
    approverOf?: string[];
  } = {},
): Promise<{ userId: string; token: string }> {
  const userId = randomUUID();
  await db.query(
    `INSERT INTO identity.users (id, email, password_hash, display_name, updated_at)
     VALUES ($1, $2, 'not-a-password-hash', 'Audit Test', now())`,
    [userId, `audit-${userId}@example.com`],
  );
  for (const role of options.roles ?? []) {
    await db.query(
      `INSERT INTO identity.role_assignments (id, user_id, role) VALUES ($1, $2, $3::identity.role)`,
      [randomUUID(), userId, role],
    );
  }
  for (const apiId of options.approverOf ?? []) {
    await db.query(
      `INSERT INTO identity.role_assignments (id, user_id, role, api_id)
       VALUES ($1, $2, 'approver'::identity.role, $3)`,
      [randomUUID(), userId, apiId],
    );
  }
  if (options.teamId) {
    await db.query(
      `INSERT INTO identity.teams (id, slug, name, updated_at) VALUES ($1, $2, 'Audit test team', now())
       ON CONFLICT DO NOTHING`,
      [options.teamId, `audit-${options.teamId}`],
    );
    await db.query(`INSERT INTO identity.team_members (id, team_id, user_id) VALUES ($1, $2, $3)`, [
      randomUUID(),
      options.teamId,
      userId,
    ]);
  }
  const token = `pcl_sess_${randomBytes(32).toString('base64url')}`;
  await db.query(
    `INSERT INTO identity.sessions (id, user_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + interval '1 hour')`,
    [randomUUID(), userId, keyedHash(token, hashKey)],
  );
  return { userId, token };
}
