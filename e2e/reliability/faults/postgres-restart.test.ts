import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type AppProcess, type Readiness } from '../../support/app-process.js';
import { DEV_GATEWAY_TOKEN } from '../../support/fixtures.js';
import { startIdentityProcess } from '../../support/stack.js';
import { AccessEventStream } from '../support/access-event-stream.js';
import {
  AuditStore,
  describeTally,
  eventually,
  readiness,
  startAuditReplica,
  findingRecorder,
} from '../support/fault-stack.js';
import { PrivatePostgres } from '../support/private-services.js';

interface SchemaEngine {
  resetDatabase(url: string, options?: { force?: boolean }): Promise<unknown>;
}

/**
 * identity and audit on a PostgreSQL cluster of the test's own, which is stopped and started
 * again under them: readiness must name the database while it is away, and both must serve again
 * afterwards as the same processes.
 */
describe('PostgreSQL restarted under identity and audit', () => {
  const postgres = new PrivatePostgres();
  const stream = new AccessEventStream(
    process.env.KAFKA_BROKERS!.split(','),
    `faults-pg-${randomBytes(4).toString('hex')}`,
  );
  let databaseUrl: string;
  let identity: AppProcess;
  let audit: AppProcess;

  beforeAll(async () => {
    await postgres.init();
    await postgres.start();
    databaseUrl = postgres.url('portcullis_faults_pg');
    const engine = (await import(resolve(ROOT, 'tools/db/schema-engine.ts'))) as SchemaEngine;
    await engine.resetDatabase(databaseUrl, { force: true });
    await stream.connect();
    [identity, audit] = await Promise.all([
      startIdentityProcess('faults-pg-identity', { DATABASE_URL: databaseUrl }),
      startAuditReplica({ name: 'faults-pg-audit', env: { DATABASE_URL: databaseUrl } }),
    ]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([identity?.stop(), audit?.stop(), stream.close()]);
    await postgres.destroy();
  });

  /** A database-backed identity route: the gateway's configuration snapshot. */
  async function snapshotStatus(): Promise<number> {
    const response = await request(`${identity.url}/v1/gateway/snapshot`, {
      headers: { authorization: `Bearer ${DEV_GATEWAY_TOKEN}` },
      headersTimeout: 10_000,
    });
    await response.body.dump();
    return response.statusCode;
  }

  const postgresDown = (app: AppProcess) =>
    eventually(
      `${app.name} readiness naming postgres as down`,
      async () => {
        const ready = await readiness(app);
        return ready.status === 503 && ready.body.checks.postgres?.status === 'down'
          ? ready
          : undefined;
      },
      30_000,
    );
  const readyAgain = (app: AppProcess) =>
    eventually(
      `${app.name} ready again`,
      async () => ((await readiness(app)).status === 200 ? true : undefined),
      60_000,
    );

  it('reports the outage in readiness and serves again without a restart', async () => {
    const record = findingRecorder(
      'fault',
      'PostgreSQL stopped and started under identity and audit',
    );
    const pids = [identity.child.pid, audit.child.pid];
    expect(await snapshotStatus()).toBe(200);
    await stream.publish(50, 50, 0);
    const before = new AuditStore(databaseUrl);
    let publishing: Promise<void> | undefined;
    try {
      const stored = await before.waitForAll(stream.apiId, stream.requestIds, 60_000);
      expect(stored.missing).toEqual([]);
      // A steady stream across the stop, so ingest has transactions in flight when the
      // database goes away (and more events arrive while it is away).
      publishing = stream.publish(3_000, 500, 0);
      await eventually(
        'ingest writing the steady stream',
        async () => ((await before.tally(stream.apiId, [])).stored >= 250 ? true : undefined),
        60_000,
        50,
      );
    } finally {
      await before.close();
    }

    await postgres.stop();
    await publishing;
    const [identityDown, auditDown] = await Promise.all([
      postgresDown(identity),
      postgresDown(audit),
    ]);
    const snapshotDuringOutage = await snapshotStatus();
    // Published while the database is away: audit must store them once it is back.
    await stream.publish(50, 50, 0);

    await postgres.start();
    await Promise.all([readyAgain(identity), readyAgain(audit)]);
    const snapshotAfter = await snapshotStatus();
    const after = new AuditStore(databaseUrl);
    const tally = await after
      .waitForAll(stream.apiId, stream.requestIds, 90_000)
      .finally(() => after.close());
    const samePids =
      identity.child.exitCode === null &&
      audit.child.exitCode === null &&
      identity.child.pid === pids[0] &&
      audit.child.pid === pids[1];

    const reason = (ready: { body: Readiness }) => ready.body.checks.postgres?.reason ?? '';
    const survived =
      snapshotAfter === 200 &&
      samePids &&
      tally.missing.length === 0 &&
      tally.duplicated.length === 0 &&
      snapshotDuringOutage === 503;
    record({
      kind: 'fault',
      name: 'PostgreSQL stopped and started under identity and audit',
      survived,
      detail:
        `while down: identity /readyz 503 (postgres: ${reason(identityDown)}), audit /readyz 503 ` +
        `(postgres: ${reason(auditDown)}), snapshot route ${snapshotDuringOutage}; after restart: both ` +
        `ready, snapshot ${snapshotAfter}, same processes ${samePids}; audit: ${describeTally(stream.requestIds.length, tally)}`,
    });
    // A database outage is the service being unavailable, not an internal error.
    expect(snapshotDuringOutage).toBe(503);
    expect(snapshotAfter).toBe(200);
    expect(samePids).toBe(true);
    expect(tally.missing).toEqual([]);
    expect(tally.duplicated).toEqual([]);
  }, 300_000);
});
