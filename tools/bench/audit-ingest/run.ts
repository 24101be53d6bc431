// Audit ingest benchmark: sustained store rate, end-to-end lag at a fixed rate, and PostgreSQL's
// own COPY of the same rows into the same table as the physical limit. See README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { accessEventSchema, buildEvent, type AccessEvent } from '@portcullis/contracts';
import { createKafka, ensureTopics, runConsumer } from '@portcullis/kafka';
import type { Kafka, Message } from 'kafkajs';
import { BatchIngestor } from '../../../apps/audit/src/ingest/batch-ingestor.js';
import { DeadLetterPublisher } from '../../../apps/audit/src/ingest/dead-letter.js';
import { hashRow } from '../../../apps/audit/src/integrity/row-hash.js';
import { createAuditDb, type AuditDb } from '../../../apps/audit/src/store/audit-db.js';
import { toRowContent } from '../../../apps/audit/src/store/event-row.js';
import { EventWriter } from '../../../apps/audit/src/store/event-writer.js';
import { PartitionManager } from '../../../apps/audit/src/store/partitions.js';

// Run from the repository root (run.sh does).
const root = process.cwd();
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '6' },
    'lag-rate': { type: 'string', default: '2000' },
    'lag-seconds': { type: 'string', default: '20' },
    consumers: { type: 'string', default: '1' },
    // Partitions one member stores at the same time (AUDIT_INGEST_CONCURRENCY, default 3).
    concurrency: { type: 'string', default: '3' },
    // Most bytes of one partition's batch (AUDIT_INGEST_MAX_BATCH_BYTES, default 4 MiB).
    'batch-bytes': { type: 'string', default: String(4 * 1024 * 1024) },
  },
});
const EVENTS = Number(args.events);
const PARTITIONS = Number(args.partitions);
const LAG_RATE = Number(args['lag-rate']);
const LAG_SECONDS = Number(args['lag-seconds']);
// Group members in this process, standing in for replicas: while one waits on PostgreSQL another
// validates and hashes (kafkajs runs one member's batches one after another).
const CONSUMERS = Number(args.consumers);
const CONCURRENCY = Number(args.concurrency);
const BATCH_BYTES = Number(args['batch-bytes']);
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis_bench';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const WORK_DIR = join(root, '.var/bench/audit-ingest');
const runId = randomBytes(4).toString('hex');

function accessEvent(apiId: string, time = new Date()): AccessEvent {
  return buildEvent(accessEventSchema, {
    source: 'gateway',
    traceId: randomBytes(16).toString('hex'),
    time,
    data: {
      requestId: randomUUID(),
      gatewayId: 'gw-bench-1',
      appId: `app-${Math.floor(Math.random() * 50)}`,
      teamId: `team-${Math.floor(Math.random() * 20)}`,
      developerId: randomUUID(),
      clientId: `client-${Math.floor(Math.random() * 50)}`,
      credentialId: randomUUID(),
      apiId,
      apiSlug: 'bench',
      planId: 'plan-gold',
      environment: 'production',
      authMethod: 'bearer_jwt',
      method: 'GET',
      route: '/v1/things/{id}',
      path: `/v1/things/${Math.floor(Math.random() * 1e6)}`,
      status: Math.random() < 0.05 ? 429 : 200,
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
}

async function produceAll(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let index = 0; index < messages.length; index += 250) {
    await producer.send({ topic, acks: -1, messages: messages.slice(index, index + 250) });
  }
  await producer.disconnect();
}

async function count(db: AuditDb, apiId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM audit.audit_events WHERE api_id = $1',
    [apiId],
  );
  return Number(rows[0]!.n);
}

async function waitForCount(db: AuditDb, apiId: string, expected: number): Promise<void> {
  for (;;) {
    if ((await count(db, apiId)) >= expected) return;
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Percentile (nearest rank) of sorted numbers. */
function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

function startIngest(
  kafka: Kafka,
  db: AuditDb,
  topic: string,
  deadLetterTopic: string,
  // When given: per event, milliseconds from its time (= when produced) to its transaction's commit.
  committedLagMs?: number[],
) {
  const groupId = `bench-audit-${runId}-${topic}`;
  const timing = { first: 0, last: 0, batches: 0 };
  const members = Array.from({ length: CONSUMERS }, () => {
    const writer = new EventWriter(db, new PartitionManager(db), {
      retentionDays: 90,
      daysAhead: 7,
    });
    const deadLetter = new DeadLetterPublisher(kafka, deadLetterTopic, groupId);
    return { deadLetter, ingestor: new BatchIngestor(writer, deadLetter) };
  });
  return {
    timing,
    start: async () => {
      const running = await Promise.all(
        members.map(async ({ deadLetter, ingestor }) => {
          await deadLetter.start();
          const consumer = await runConsumer({
            kafka,
            groupId,
            topics: [topic],
            fromBeginning: true,
            partitionsConsumedConcurrently: CONCURRENCY,
            maxBytesPerPartition: BATCH_BYTES,
            eachBatch: async (payload) => {
              timing.first ||= performance.now();
              await ingestor.handleBatch(payload);
              timing.last = performance.now();
              if (committedLagMs) {
                const committedAt = Date.now();
                for (const message of payload.batch.messages) {
                  const { time } = JSON.parse(message.value!.toString()) as { time: string };
                  committedLagMs.push(committedAt - Date.parse(time));
                }
              }
              timing.batches++;
            },
          });
          return async () => {
            await consumer.stop();
            await deadLetter.stop();
          };
        }),
      );
      return async () => {
        await Promise.all(running.map((stop) => stop()));
      };
    },
  };
}

async function main(): Promise<void> {
  mkdirSync(WORK_DIR, { recursive: true });
  // A database of its own, reset on every run.
  execFileSync(
    process.execPath,
    ['tools/db/migrate.ts', 'reset', '--force', '--url', DATABASE_URL],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const db = createAuditDb(DATABASE_URL, 10);
  const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-audit' });
  const deadLetterTopic = `bench.audit.dead-letter.${runId}`;
  const throughputTopic = `bench.audit.throughput.${runId}`;
  const lagTopic = `bench.audit.lag.${runId}`;
  const spec = (name: string, partitions: number) => ({
    name,
    partitions,
    retentionMs: 60 * 60 * 1000,
  });
  await ensureTopics(kafka, [
    spec(deadLetterTopic, 1),
    spec(throughputTopic, PARTITIONS),
    spec(lagTopic, PARTITIONS),
  ]);
  await new PartitionManager(db).ensureAhead(new Date(), 2);

  // 1. Sustained store rate: the topic is full before the consumer starts.
  const throughputApi = `api-bench-${runId}`;
  const events = Array.from({ length: EVENTS }, () => accessEvent(throughputApi));
  const bytes = events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
  await produceAll(
    kafka,
    throughputTopic,
    events.map((event) => ({ key: event.data.appId, value: JSON.stringify(event) })),
  );
  const throughput = startIngest(kafka, db, throughputTopic, deadLetterTopic);
  const startedAt = performance.now();
  const stopThroughput = await throughput.start();
  await waitForCount(db, throughputApi, EVENTS);
  const doneAt = performance.now();
  await stopThroughput();
  const batchSeconds = (throughput.timing.last - throughput.timing.first) / 1000;
  const storeRate = EVENTS / batchSeconds;
  const wallRate = EVENTS / ((doneAt - startedAt) / 1000);

  // 2. End-to-end lag at a fixed rate: event time = produce time; stored = received_at.
  const lagApi = `api-lag-${runId}`;
  const committedLagMs: number[] = [];
  const lag = startIngest(kafka, db, lagTopic, deadLetterTopic, committedLagMs);
  const stopLag = await lag.start();
  const producer = kafka.producer();
  await producer.connect();
  const total = LAG_RATE * LAG_SECONDS;
  const tickMs = 10;
  const perTick = (LAG_RATE * tickMs) / 1000;
  const lagStart = performance.now();
  let sent = 0;
  const sends: Promise<unknown>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - lagStart) / tickMs) * perTick));
    if (due > sent) {
      const batch = Array.from({ length: due - sent }, () => accessEvent(lagApi));
      sent = due;
      sends.push(
        producer.send({
          topic: lagTopic,
          acks: -1,
          messages: batch.map((event) => ({ key: event.data.appId, value: JSON.stringify(event) })),
        }),
      );
    }
    await new Promise((done) => setTimeout(done, tickMs / 2));
  }
  await Promise.all(sends);
  const achievedRate = total / ((performance.now() - lagStart) / 1000);
  await producer.disconnect();
  await waitForCount(db, lagApi, total);
  await stopLag();
  const { rows: lagRows } = await db.query<{ p50: number; p95: number; p99: number; max: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
            max(ms) AS max
       FROM (SELECT extract(epoch FROM received_at - time) * 1000 AS ms
               FROM audit.audit_events WHERE api_id = $1) AS lag`,
    [lagApi],
  );

  // 3. Physical limit: COPY the same kind and number of rows (hashed, as the writer makes them)
  //    into the same table from a file, through psql's \copy.
  const copyApi = `api-copy-${runId}`;
  const copyFile = join(WORK_DIR, `copy-${runId}.csv`);
  const chain = `bench-copy-${runId}`;
  let prevHash: string | null = null;
  const lines: string[] = [];
  for (let index = 0; index < EVENTS; index++) {
    const row = toRowContent(accessEvent(copyApi));
    const position = { chain, chainSeq: index + 1, prevHash };
    const hash = hashRow(row, position);
    const cells = [
      row.id,
      row.time.toISOString(),
      row.type,
      row.version,
      row.source,
      row.traceId,
      row.teamId,
      row.appId,
      row.clientId,
      row.apiId,
      row.action,
      row.decision,
      row.reason,
      row.status,
      row.sourceIp,
      row.latencyMs,
      JSON.stringify(row.data),
      chain,
      position.chainSeq,
      prevHash,
      hash,
    ];
    lines.push(cells.map(csv).join(','));
    prevHash = hash;
  }
  writeFileSync(copyFile, `${lines.join('\n')}\n`);
  const copyStart = performance.now();
  const copy = spawnSync(
    'psql',
    [
      DATABASE_URL,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy audit.audit_events (id, time, type, version, source, trace_id, team_id, app_id, client_id, api_id, action, decision, reason, status, source_ip, latency_ms, data, chain, chain_seq, prev_hash, hash) FROM '${copyFile}' WITH (FORMAT csv)`,
    ],
    { encoding: 'utf8' },
  );
  const copySeconds = (performance.now() - copyStart) / 1000;
  if (copy.status !== 0) throw new Error(`psql \\copy failed: ${copy.stderr}`);

  const committedSorted = committedLagMs.sort((a, b) => a - b);
  const results = {
    machine: { cpus: (await import('node:os')).cpus().length },
    events: EVENTS,
    averageEventBytes: Math.round(bytes / EVENTS),
    partitions: PARTITIONS,
    ingest: {
      storeRatePerSecond: Math.round(storeRate),
      firstToLastBatchSeconds: Number(batchSeconds.toFixed(2)),
      wallRatePerSecondIncludingGroupJoin: Math.round(wallRate),
      consumers: CONSUMERS,
      partitionsConsumedConcurrently: CONCURRENCY,
      maxBytesPerPartition: BATCH_BYTES,
      batches: throughput.timing.batches,
      averageBatch: Math.round(EVENTS / throughput.timing.batches),
    },
    lag: {
      targetRatePerSecond: LAG_RATE,
      achievedRatePerSecond: Math.round(achievedRate),
      events: total,
      // received_at − time (received_at: when the writer sent the rows, under the chain lock).
      p50Ms: Math.round(lagRows[0]!.p50),
      p95Ms: Math.round(lagRows[0]!.p95),
      p99Ms: Math.round(lagRows[0]!.p99),
      maxMs: Math.round(lagRows[0]!.max),
      // Produced → committed: measured in Node once the batch's transaction committed.
      committed: {
        p50Ms: percentile(committedSorted, 0.5),
        p95Ms: percentile(committedSorted, 0.95),
        p99Ms: percentile(committedSorted, 0.99),
        maxMs: committedSorted.at(-1) ?? 0,
      },
    },
    copy: {
      rowsPerSecond: Math.round(EVENTS / copySeconds),
      seconds: Number(copySeconds.toFixed(2)),
    },
  };
  console.log(JSON.stringify(results, null, 2));
  rmSync(copyFile, { force: true });
  await db.end();
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .deleteTopics({ topics: [deadLetterTopic, throughputTopic, lagTopic] })
    .catch(() => undefined);
  await admin.disconnect();
}

function csv(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

await main();
