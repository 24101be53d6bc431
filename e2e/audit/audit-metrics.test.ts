import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildEvent, managementEventSchema, TOPICS } from '@portcullis/contracts';
import { createKafka, ensureTopics } from '@portcullis/kafka';
import type { Kafka, Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { startAuditProcess } from '../support/stack.js';
import { UpstreamRecorder } from '../support/upstream-recorder.js';

interface OtlpPoint {
  attributes?: { key: string; value: { stringValue?: string } }[];
  asInt?: string | number;
  asDouble?: number;
}
interface OtlpMetric {
  name: string;
  sum?: { dataPoints: OtlpPoint[] };
}

/** A valid management event, as identity publishes one. */
function teamCreated() {
  return buildEvent(managementEventSchema, {
    source: 'identity',
    data: {
      action: 'team.created',
      outcome: 'success',
      actor: { type: 'user', id: randomUUID(), label: null },
      target: { type: 'team', id: randomUUID() },
    },
  });
}

/** A sink secret as audit stores it (apps/audit/README.md): AES-256-GCM, the sink id as AAD. */
function encryptSinkSecret(key: Buffer, sinkId: string, secret: object): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(sinkId, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/**
 * The built audit service exports what its ingest did over OTLP (events stored, duplicates and
 * dead-lettered records, per topic) and what its SIEM sinks did (events exported, failed
 * attempts). The collector is a plain HTTP server that keeps what it got; it also takes the
 * webhook sink's deliveries.
 */
describe('audit: ingest and SIEM metrics over OTLP', () => {
  const fixtures = new Fixtures();
  const sinkKey = randomBytes(32);
  const collector = new UpstreamRecorder();
  const suffix = randomBytes(4).toString('hex');
  const topic = `e2e-audit-metrics-${suffix}`;
  let kafka: Kafka;
  let audit: AppProcess;

  beforeAll(async () => {
    await collector.start();
    kafka = createKafka({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientId: 'e2e-audit-metrics',
    });
    await ensureTopics(kafka, [
      { name: topic, partitions: 1, retentionMs: 3_600_000 },
      { name: `${topic}-dead`, partitions: 1, retentionMs: 3_600_000 },
    ]);
    // Two webhook sinks only this audit runs (its name prefix): one delivering to the collector,
    // one to a port nobody listens on.
    const sinkPrefix = `e2e-metrics-${suffix}-`;
    const closedPort = await freePort();
    for (const [name, url] of [
      [`${sinkPrefix}working`, `${collector.url}/siem`],
      [`${sinkPrefix}refused`, `http://127.0.0.1:${closedPort}/siem`],
    ] as const) {
      const id = randomUUID();
      await fixtures.prisma.siemSink.create({
        data: {
          id,
          name,
          kind: 'webhook',
          config: { url },
          secretEncrypted: encryptSinkSecret(sinkKey, id, { secret: 'e2e-metrics-webhook-secret' }),
        },
      });
    }
    audit = await startAuditProcess('audit-metrics', {
      AUDIT_INGEST_TOPICS: topic,
      AUDIT_DEAD_LETTER_TOPIC: `${topic}-dead`,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      AUDIT_SINK_SECRET_KEY: sinkKey.toString('base64'),
      SIEM_EXPORT_ENABLED: 'true',
      SIEM_SINK_NAME_PREFIX: sinkPrefix,
      SIEM_RETRY_MAX_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await audit?.stop();
    await collector.stop();
    await fixtures.prisma.siemSink.deleteMany({
      where: { name: { startsWith: `e2e-metrics-${suffix}-` } },
    });
    await fixtures.close();
  });

  /** The count of `name` in the latest export (cumulative) over points with these attributes. */
  function counted(name: string, attributes: Record<string, string> = { topic }): number {
    const exports = collector.requests.filter((request) => request.url === '/v1/metrics');
    const body = JSON.parse(exports.at(-1)?.body ?? '{"resourceMetrics":[]}') as {
      resourceMetrics: { scopeMetrics: { metrics: OtlpMetric[] }[] }[];
    };
    const metric = body.resourceMetrics
      .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
      .find((candidate) => candidate.name === name);
    return (metric?.sum?.dataPoints ?? [])
      .filter((point) =>
        Object.entries(attributes).every(([key, value]) =>
          (point.attributes ?? []).some(
            (attribute) => attribute.key === key && attribute.value.stringValue === value,
          ),
        ),
      )
      .reduce((total, point) => total + Number(point.asInt ?? point.asDouble ?? 0), 0);
  }

  async function until(expected: Record<string, number>): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const actual = Object.fromEntries(Object.keys(expected).map((name) => [name, counted(name)]));
      if (JSON.stringify(actual) === JSON.stringify(expected)) return;
      if (Date.now() > deadline) {
        const exports = collector.requests.filter((request) => request.url === '/v1/metrics');
        throw new Error(
          `metrics ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)} (${exports.length} exports received)`,
        );
      }
      await sleep(100);
    }
  }

  async function produce(messages: Message[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  it('counts stored, dead-lettered and duplicate events per topic', async () => {
    const events = Array.from({ length: 3 }, teamCreated);
    const records = events.map((event) => ({ key: event.id, value: JSON.stringify(event) }));
    await produce([...records, { key: 'broken', value: '{"not json' }]);
    await until({
      'audit.events.stored': 3,
      'audit.events.dead_lettered': 1,
      'audit.events.duplicates': 0,
    });
    // The same events again (a redelivery, a replay): stored once, counted as duplicates.
    await produce(records);
    await until({
      'audit.events.stored': 3,
      'audit.events.dead_lettered': 1,
      'audit.events.duplicates': 3,
    });
    expect(counted('audit.events.stored')).toBe(3);
  });

  it('counts events each SIEM sink exported and its failed attempts', async () => {
    const working = { 'sink.name': `e2e-metrics-${suffix}-working`, 'sink.kind': 'webhook' };
    const refused = {
      'sink.name': `e2e-metrics-${suffix}-refused`,
      'sink.kind': 'webhook',
      'failure.kind': 'transient',
    };
    // Sinks start at the topics' ends: keep publishing until both have had events to handle.
    const producer = kafka.producer();
    await producer.connect();
    try {
      const deadline = Date.now() + 45_000;
      while (
        counted('audit.siem.events.exported', working) === 0 ||
        counted('audit.siem.delivery.failures', refused) === 0
      ) {
        if (Date.now() > deadline) {
          throw new Error(
            `exported ${counted('audit.siem.events.exported', working)}, failures ${counted('audit.siem.delivery.failures', refused)}`,
          );
        }
        const event = teamCreated();
        await producer.send({
          topic: TOPICS.managementEvents,
          acks: -1,
          messages: [{ key: event.id, value: JSON.stringify(event) }],
        });
        await sleep(500);
      }
    } finally {
      await producer.disconnect();
    }
    // The working sink's deliveries reached the collector; the refused one never exported.
    expect(collector.requests.some((request) => request.url === '/siem')).toBe(true);
    expect(counted('audit.siem.events.exported', { 'sink.name': refused['sink.name'] })).toBe(0);
    expect(counted('audit.siem.delivery.failures', { 'sink.name': working['sink.name'] })).toBe(0);
  });
});
