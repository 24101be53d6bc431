import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseUnavailableError,
  Prisma,
  checkDatabase,
  createPrismaClient,
  type PrismaClient,
} from '../src/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const serverUrl = new URL(
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis',
);
const databaseName = `portcullis_rt_${randomBytes(6).toString('hex')}`;
const databaseUrl = new URL(`/${databaseName}`, serverUrl).toString();
const maintenanceUrl = new URL('/postgres', serverUrl).toString();
const applicationName = 'portcullis-db-round-trip';

let prisma: PrismaClient;
let migrateOutput: string;

beforeAll(async () => {
  // The same command a developer runs: creates the empty database and applies every migration.
  ({ stdout: migrateOutput } = await run(
    process.execPath,
    ['tools/db/migrate.ts', 'deploy', '--url', databaseUrl],
    { cwd: root },
  ));
  prisma = createPrismaClient({ databaseUrl, applicationName, poolMax: 2 });
});

afterAll(async () => {
  await prisma?.$disconnect();
  const admin = new pg.Client({ connectionString: maintenanceUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe('a freshly migrated database', () => {
  it('was created and received every migration in order', async () => {
    const onDisk = (await readdir(`${root}/prisma/migrations`))
      .filter((name) => /^\d{14}_/.test(name))
      .sort();
    expect(onDisk.length).toBeGreaterThan(0);
    expect(migrateOutput).toContain('Created the database.');
    expect(migrateOutput).toContain(`Applied ${onDisk.length} migration(s):`);
    const history = await prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM public._prisma_migrations
      WHERE finished_at IS NOT NULL ORDER BY started_at, migration_name`;
    expect(history.map((row) => row.migration_name)).toEqual(onDisk);
  });

  it('stores and reads back the onboarding graph with relations', async () => {
    const owner = await prisma.user.create({
      data: { email: 'owner@example.test', passwordHash: 'x', displayName: 'Owner' },
    });
    const approver = await prisma.user.create({
      data: {
        email: 'approver@example.test',
        passwordHash: 'x',
        displayName: 'Approver',
        roleAssignments: { create: { role: 'approver' } },
      },
    });
    const team = await prisma.team.create({
      data: {
        slug: 'payments',
        name: 'Payments',
        members: { create: { userId: owner.id, role: 'owner' } },
      },
    });
    const application = await prisma.application.create({
      data: { teamId: team.id, name: 'billing-service', createdById: owner.id },
    });
    const api = await prisma.api.create({
      data: {
        slug: 'orders',
        name: 'Orders',
        basePath: '/orders',
        upstreamUrl: 'http://127.0.0.1:9000',
        ownerTeamId: team.id,
        authMethods: ['api_key', 'oauth2_client_credentials'],
        settings: { cors: { origins: [] } },
        scopes: { create: [{ name: 'orders:read' }, { name: 'orders:write' }] },
        routes: {
          create: { method: 'GET', pathPattern: '/{id}', requiredScopes: ['orders:read'] },
        },
      },
    });
    const plan = await prisma.plan.create({
      data: { apiId: api.id, name: 'gold', ratePerSecond: 50, burst: 100, monthlyQuota: 1_000_000 },
    });
    const subscription = await prisma.subscription.create({
      data: {
        applicationId: application.id,
        apiId: api.id,
        planId: plan.id,
        environment: 'production',
        justification: 'Monthly invoicing',
        requestedById: owner.id,
        decisions: { create: { toStatus: 'pending', actorUserId: owner.id } },
      },
    });
    await prisma.subscription.update({
      where: { id: subscription.id },
      data: {
        status: 'approved',
        grantedScopes: ['orders:read'],
        decisions: {
          create: {
            fromStatus: 'pending',
            toStatus: 'approved',
            actorUserId: approver.id,
            comment: 'ok',
          },
        },
      },
    });

    const read = await prisma.subscription.findUniqueOrThrow({
      where: {
        applicationId_apiId_environment: {
          applicationId: application.id,
          apiId: api.id,
          environment: 'production',
        },
      },
      include: {
        application: { include: { team: { include: { members: true } } } },
        api: { include: { scopes: { orderBy: { name: 'asc' } }, routes: true } },
        plan: true,
        decisions: { orderBy: { createdAt: 'asc' }, include: { actor: true } },
      },
    });

    expect(read.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(read.status).toBe('approved');
    expect(read.grantedScopes).toEqual(['orders:read']);
    expect(read.application.team.slug).toBe('payments');
    expect(read.application.team.members).toMatchObject([{ userId: owner.id, role: 'owner' }]);
    expect(read.api.authMethods).toEqual(['api_key', 'oauth2_client_credentials']);
    expect(read.api.settings).toEqual({ cors: { origins: [] } });
    expect(read.api.approvalModeProduction).toBe('manual');
    expect(read.api.scopes.map((s) => s.name)).toEqual(['orders:read', 'orders:write']);
    expect(read.api.routes[0]?.requiredScopes).toEqual(['orders:read']);
    expect(read.plan.monthlyQuota).toBe(1_000_000);
    expect(read.decisions.map((d) => [d.fromStatus, d.toStatus, d.actor?.email])).toEqual([
      [null, 'pending', 'owner@example.test'],
      ['pending', 'approved', 'approver@example.test'],
    ]);
    expect(read.createdAt).toBeInstanceOf(Date);

    // One subscription per application, API and environment.
    const duplicate: unknown = await prisma.subscription
      .create({
        data: {
          applicationId: application.id,
          apiId: api.id,
          planId: plan.id,
          environment: 'production',
        },
      })
      .catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(duplicate).toMatchObject({ code: 'P2002' });

    // The other environment is a different subscription.
    await expect(
      prisma.subscription.create({
        data: {
          applicationId: application.id,
          apiId: api.id,
          planId: plan.id,
          environment: 'sandbox',
        },
      }),
    ).resolves.toMatchObject({ status: 'pending', grantedScopes: [] });
  });

  it('keys audit events by (time, id) and numbers config changes monotonically', async () => {
    const time = new Date('2026-01-02T03:04:05.678Z');
    const id = '01941f29-7c00-7000-8000-000000000001';
    await prisma.auditEvent.create({
      data: {
        id,
        time,
        type: 'gateway.access',
        version: 1,
        source: 'gateway',
        data: { decision: 'deny' },
        chain: 'p0',
        chainSeq: 1,
        hash: 'h1',
      },
    });
    const stored = await prisma.auditEvent.findUniqueOrThrow({ where: { time_id: { time, id } } });
    expect(stored.time.toISOString()).toBe(time.toISOString());
    expect(typeof stored.seq).toBe('bigint');

    const redelivered = prisma.auditEvent.create({
      data: {
        id,
        time,
        type: 'gateway.access',
        version: 1,
        source: 'gateway',
        data: {},
        chain: 'p0',
        chainSeq: 1,
        hash: 'h1',
      },
    });
    await expect(redelivered).rejects.toMatchObject({ code: 'P2002' });

    const first = await prisma.configChange.create({
      data: { kind: 'api.changed', entityId: 'a' },
    });
    const second = await prisma.configChange.create({
      data: { kind: 'token.revoked', entityId: 'jti-1', until: time },
    });
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('sets the application name on its connections', async () => {
    const rows = await prisma.$queryRaw<{ application_name: string }[]>`
      SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()`;
    expect(rows).toEqual([{ application_name: applicationName }]);
  });

  it('reports readiness', async () => {
    await expect(checkDatabase(prisma)).resolves.toBeUndefined();
  });
});

describe('checkDatabase', () => {
  it('rejects when nothing listens at the database address', async () => {
    // Port 1 on loopback: connection refused at once.
    const unreachable = createPrismaClient({
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/portcullis',
      connectionTimeoutMillis: 1_000,
    });
    try {
      await expect(checkDatabase(unreachable, 5_000)).rejects.toBeInstanceOf(
        DatabaseUnavailableError,
      );
    } finally {
      await unreachable.$disconnect();
    }
  });
});
