import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildEvent, managementEventSchema } from '@portcullis/contracts';
import { createKafka, ensureTopics } from '@portcullis/kafka';
import type { Kafka, Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, waitForReady, type AppProcess } from '../support/app-process.js';
import { freePort } from '../support/ports.js';
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

/**
 * The built audit service exports what its ingest did over OTLP: events stored, duplicates and
 * dead-lettered records, per topic. The collector is a plain HTTP server that keeps what it got.
 */
describe('audit: ingest metrics over OTLP', () => {
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
    const port = await freePort();
    audit = startApp(
      'audit',
      'audit-metrics',
      {
        DATABASE_URL: process.env.DATABASE_URL!,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        AUDIT_PORT: String(port),
        AUDIT_INGEST_TOPICS: topic,
        AUDIT_DEAD_LETTER_TOPIC: `${topic}-dead`,
        AUDIT_CONSUMER_GROUP: `e2e-audit-metrics-${suffix}`,
        SPOOL_DIR: mkdtempSync(join(tmpdir(), 'e2e-audit-metrics-spool-')),
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRIC_EXPORT_INTERVAL: '500',
      },
      `http://127.0.0.1:${port}`,
    );
    await waitForReady(audit);
  });
  afterAll(async () => {
    await audit?.stop();
    await collector.stop();
  });

  /** This topic's count of `name` in the latest export (cumulative). */
  function counted(name: string): number {
    const exports = collector.requests.filter((request) => request.url === '/v1/metrics');
    const body = JSON.parse(exports.at(-1)?.body ?? '{"resourceMetrics":[]}') as {
      resourceMetrics: { scopeMetrics: { metrics: OtlpMetric[] }[] }[];
    };
    const metric = body.resourceMetrics
      .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
      .find((candidate) => candidate.name === name);
    return (metric?.sum?.dataPoints ?? [])
      .filter((point) =>
        (point.attributes ?? []).some(
          (attribute) => attribute.key === 'topic' && attribute.value.stringValue === topic,
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
    const events = Array.from({ length: 3 }, () =>
      buildEvent(managementEventSchema, {
        source: 'identity',
        data: {
          action: 'team.created',
          outcome: 'success',
          actor: { type: 'user', id: randomUUID(), label: null },
          target: { type: 'team', id: randomUUID() },
        },
      }),
    );
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
});
