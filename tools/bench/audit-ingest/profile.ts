// Where the time of one ingest batch goes, step by step, in isolation (no Kafka): JSON + zod
// validation, row mapping, the NUL check, content hashing, COPY encoding, and the store's
// transaction. Run
// through profile.sh; the numbers guide which lever to pull (see RESULTS.md).
import { randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { accessEventSchema, buildEvent, parseEvent } from '@portcullis/contracts';
import { contentDigest, hashContent } from '../../../apps/audit/src/integrity/row-hash.js';
import { createAuditDb } from '../../../apps/audit/src/store/audit-db.js';
import {
  isStoredEvent,
  toRowContent,
  unstorableReason,
} from '../../../apps/audit/src/store/event-row.js';
import { EventWriter, copyContentFields } from '../../../apps/audit/src/store/event-writer.js';
import { PartitionManager } from '../../../apps/audit/src/store/partitions.js';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '20' },
  },
});
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis_bench';

function rawEvent(): Buffer {
  const event = buildEvent(accessEventSchema, {
    source: 'gateway',
    traceId: randomBytes(16).toString('hex'),
    data: {
      requestId: randomUUID(),
      gatewayId: 'gw-bench-1',
      appId: `app-${Math.floor(Math.random() * 50)}`,
      teamId: `team-${Math.floor(Math.random() * 20)}`,
      developerId: randomUUID(),
      clientId: `client-${Math.floor(Math.random() * 50)}`,
      credentialId: randomUUID(),
      apiId: 'api-profile',
      apiSlug: 'bench',
      planId: 'plan-gold',
      environment: 'production',
      authMethod: 'bearer_jwt',
      method: 'GET',
      route: '/v1/things/{id}',
      path: `/v1/things/${Math.floor(Math.random() * 1e6)}`,
      status: 200,
      decision: 'allow',
      reason: 'ok',
      latencyMs: { total: 5 + Math.random() * 40, upstream: 3 + Math.random() * 30 },
      bytesIn: 0,
      bytesOut: 1024,
      sourceIp: `10.0.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`,
      userAgent: 'bench-client/1.0',
      tokenJti: randomUUID(),
      scopes: ['things:read'],
    },
  });
  return Buffer.from(JSON.stringify(event));
}

const totals = new Map<string, number>();
function timed<T>(step: string, work: () => T): T {
  const start = performance.now();
  const result = work();
  totals.set(step, (totals.get(step) ?? 0) + performance.now() - start);
  return result;
}
async function timedAsync<T>(step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  totals.set(step, (totals.get(step) ?? 0) + performance.now() - start);
  return result;
}

execFileSync(process.execPath, ['tools/db/migrate.ts', 'reset', '--force', '--url', DATABASE_URL], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const db = createAuditDb(DATABASE_URL, 4);
const writer = new EventWriter(db, new PartitionManager(db), { retentionDays: 90, daysAhead: 7 });
for (let round = 0; round < ROUNDS + 2; round++) {
  const raws = Array.from({ length: BATCH }, rawEvent);
  if (round === 2) totals.clear(); // the first rounds warm up the JIT and the pool
  const parsed = timed('JSON.parse + zod parseEvent', () => raws.map((raw) => parseEvent(raw)));
  const rows = timed('toRowContent', () =>
    parsed.map((result) => {
      if (!result.ok || !isStoredEvent(result.event)) throw new Error('invalid');
      return toRowContent(result.event);
    }),
  );
  // Each lever beside what it replaced, measured on the same rows in the same run.
  timed('NUL check, before: re-serialise the row', () =>
    rows.forEach((row) => unstorableReason(row)),
  );
  timed('NUL check, now: scan the raw bytes', () =>
    rows.forEach((row, index) => unstorableReason(row, raws[index])),
  );
  timed('content hash, before: canonical JSON + SHA-256', () => rows.forEach(contentDigest));
  const hashed = timed('content hash, now: same, keeping the data JSON', () =>
    rows.map(hashContent),
  );
  timed('insert payload, before: JSON.stringify of rows incl. data', () => JSON.stringify(rows));
  timed('insert payload, before: json_to_recordset, data JSON spliced in', () =>
    rows.map((row, index) => {
      const { data: _data, ...columns } = row;
      return `${JSON.stringify(columns).slice(0, -1)},"data":${hashed[index]!.dataJson}}`;
    }),
  );
  timed('COPY payload, now: text format, content columns (before the lock)', () =>
    rows.map((row, index) => copyContentFields(row, hashed[index]!.dataJson)),
  );
  await timedAsync('EventWriter.write, now (hashing + encoding + COPY transaction)', () =>
    writer.write(rows),
  );
  // The existence query every batch used to run before inserting; now only on redelivery.
  await timedAsync('existence query, before: every batch', () =>
    db.query(
      `SELECT e.id FROM unnest($1::timestamptz[], $2::uuid[]) AS k(time, id)
         JOIN audit.audit_events e ON e.time = k.time AND e.id = k.id`,
      [rows.map((row) => row.time.toISOString()), rows.map((row) => row.id)],
    ),
  );
}
const report = Object.fromEntries(
  [...totals].map(([step, ms]) => [step, `${(ms / ROUNDS).toFixed(1)} ms per ${BATCH} events`]),
);
console.log(JSON.stringify(report, null, 2));
await db.end();
