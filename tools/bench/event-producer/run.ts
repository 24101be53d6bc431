/**
 * What one access event costs to get into Kafka: our EventProducer (in-process and in its worker
 * thread) against kafkajs alone with the same batching, idempotence and acks, and against only
 * serialising the events. Each peer publishes at the same fixed rate in a process of its own;
 * peers take turns for BENCH_ROUNDS rounds. See README.md.
 *
 * Env: BENCH_RATE (events/s, default 5000), BENCH_DURATION (s, default 10), BENCH_ROUNDS
 * (default 3), KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createKafka, ensureTopics } from '@portcullis/kafka';
import { median } from '../median.ts';

const RATE = Number(process.env.BENCH_RATE ?? 5000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const TOPIC = 'bench.event-producer';
const PEERS = ['serialise-only', 'kafkajs', 'event-producer', 'event-producer-thread'] as const;
type Peer = (typeof PEERS)[number];

interface PeerRun {
  peer: Peer;
  events: number;
  cpuMicrosPerEvent: number;
  mainThreadCpuMicrosPerEvent: number;
  /** Events that reached the topic during the run (null for serialise-only). */
  delivered: number | null;
}

const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-event-producer' });
await ensureTopics(kafka, [
  { name: TOPIC, partitions: 6, retentionMs: 60 * 60 * 1000, cleanupPolicy: 'delete' },
]);
const admin = kafka.admin();
await admin.connect();
const topicEnd = async () =>
  (await admin.fetchTopicOffsets(TOPIC)).reduce((sum, p) => sum + Number(p.high), 0);

const runs = new Map<Peer, PeerRun[]>();
for (let round = 1; round <= ROUNDS; round += 1) {
  for (const peer of PEERS) {
    const before = await topicEnd();
    const child = spawnSync(
      process.execPath,
      [resolve(import.meta.dirname, 'load.ts'), peer, String(RATE), String(DURATION), TOPIC],
      { encoding: 'utf8', env: process.env },
    );
    if (child.status !== 0) throw new Error(`${peer} failed:\n${child.stderr}`);
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    const measured = JSON.parse(line) as Omit<PeerRun, 'delivered'>;
    const delivered = peer === 'serialise-only' ? null : (await topicEnd()) - before;
    const run: PeerRun = { ...measured, delivered };
    console.log(JSON.stringify({ round, ...run }));
    if (delivered !== null && delivered < run.events) {
      throw new Error(`${peer}: Kafka has ${delivered} of ${run.events} events`);
    }
    runs.set(peer, [...(runs.get(peer) ?? []), run]);
  }
}
await admin.disconnect();

const cpuOf = (peer: Peer) => median((runs.get(peer) ?? []).map((r) => r.cpuMicrosPerEvent));
const mainOf = (peer: Peer) =>
  median((runs.get(peer) ?? []).map((r) => r.mainThreadCpuMicrosPerEvent));
const floor = cpuOf('serialise-only');
const kafkajs = cpuOf('kafkajs') - floor;
const rows = PEERS.map((peer) => {
  const cpu = cpuOf(peer);
  const overFloor = cpu - floor;
  return `| ${peer} | ${cpu} | ${mainOf(peer)} | ${peer === 'serialise-only' ? '—' : overFloor} | ${
    peer === 'serialise-only' ? '—' : `${(overFloor / kafkajs).toFixed(2)}×`
  } |`;
});
const report = `# Event producer benchmark — results

\`node tools/bench/event-producer/run.ts\` on ${new Date().toISOString().slice(0, 10)}: ${RATE}
access events/s for ${DURATION} s per peer, ${ROUNDS} rounds taking turns (each number is the
median round); ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)} at the end.
Kafka: ${BROKERS.join(',')}. Every run checked that Kafka holds every event it published.

| peer | CPU µs per event (process) | main thread µs per event | over serialising | vs kafkajs alone |
| ---- | -------------------------- | ------------------------ | ---------------- | ---------------- |
${rows.join('\n')}

"Over serialising" subtracts what the load loop and \`JSON.stringify\` cost (the
\`serialise-only\` row); "vs kafkajs alone" divides that by the same for kafkajs with the same
batching, idempotence and acks.
`;
const resultsFile = resolve(import.meta.dirname, 'RESULTS.md');
writeFileSync(resultsFile, report);
// The table comes out unaligned; the repository keeps Markdown prettier-formatted.
spawnSync('npx', ['prettier', '--write', resultsFile], {
  cwd: resolve(import.meta.dirname, '../../..'),
  stdio: 'ignore',
});
console.log(report);
