import { createServer, type Server } from 'node:http';
import { TOPICS, type AccessEvent, type AlertEvent } from '@portcullis/contracts';
import { ensureTopics } from '@portcullis/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SinkView } from '../../src/siem/siem-sinks.service.js';
import { verifyWebhookSignature } from '../../src/siem/webhook-signature.js';
import { FakeHec } from './fake-hec.js';
import { produceAccess, startSiem, waitFor, type SiemHarness } from './siem-harness.js';
import { access, alert, suffix } from './siem-test-events.js';

const ACTOR = { type: 'user' as const, id: null, label: 'secops@example.com' };

/** A webhook receiver that verifies the signature and keeps the events of one app. */
async function startWebhookReceiver(secret: string, appId: string) {
  const received: string[] = [];
  let badSignatures = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = String(request.headers['x-portcullis-signature'] ?? '');
      if (!verifyWebhookSignature(secret, body, signature, Math.floor(Date.now() / 1000))) {
        badSignatures += 1;
        response.writeHead(401).end();
        return;
      }
      const { events } = JSON.parse(body) as { events: AccessEvent[] };
      for (const event of events) if (event.data?.appId === appId) received.push(event.id);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/siem`,
    received,
    badSignatures: () => badSignatures,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('SIEM sinks on Kafka: Splunk HEC, signed webhook, OCSF topic', () => {
  let harness: SiemHarness;
  const appId = `app-sinks-${suffix()}`;
  const hecToken = `hec-token-${suffix()}-${suffix()}`;
  const webhookSecret = `whsec-${suffix()}-${suffix()}`;
  const hec = new FakeHec(hecToken);
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let hecSink: SinkView;
  let webhookSink: SinkView;

  beforeAll(async () => {
    harness = await startSiem();
    await hec.start();
    webhook = await startWebhookReceiver(webhookSecret, appId);
    hecSink = await harness.sinks.create(
      {
        name: `${harness.prefix}hec-${suffix()}`,
        kind: 'splunk_hec',
        config: { url: hec.url, sourcetype: 'portcullis:test', batchSize: 7 },
        secret: { token: hecToken },
        eventTypes: ['gateway.access'],
        enabled: true,
        startFrom: 'latest',
      },
      ACTOR,
    );
    webhookSink = await harness.sinks.create(
      {
        name: `${harness.prefix}webhook-${suffix()}`,
        kind: 'webhook',
        config: { url: webhook.url },
        secret: { secret: webhookSecret },
        eventTypes: [],
        enabled: true,
        startFrom: 'latest',
      },
      ACTOR,
    );
  });

  afterAll(async () => {
    for (const sink of [hecSink, webhookSink]) {
      if (sink) await harness.sinks.delete(sink.id, ACTOR).catch(() => undefined);
    }
    await harness?.close();
    await hec.stop();
    await webhook?.close();
  });

  const mine = () =>
    hec.accepted
      .filter((entry) => entry.event.data?.appId === appId)
      .map((entry) => entry.event.id);

  it('never returns or stores a secret in clear', async () => {
    const views = [await harness.sinks.get(hecSink.id), ...(await harness.sinks.list())];
    const text = JSON.stringify(views);
    expect(text).not.toContain(hecToken);
    expect(text).not.toContain(webhookSecret);
    expect(views[0]).toMatchObject({ hasSecret: true, kind: 'splunk_hec' });
    const row = await harness.prisma.siemSink.findUniqueOrThrow({ where: { id: hecSink.id } });
    expect(row.secretEncrypted).toBeTruthy();
    expect(row.secretEncrypted).not.toContain(hecToken);
    expect(JSON.stringify(row.config)).not.toContain(hecToken);
  });

  it('gives a new sink its own consumer group, positioned before its first member joined', async () => {
    const admin = harness.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({
        groupId: `audit-sink-${hecSink.id}`,
        topics: [TOPICS.accessEvents, TOPICS.managementEvents, TOPICS.alertEvents],
      });
      expect(offsets).toHaveLength(3);
      for (const topic of offsets) {
        expect(topic.partitions.every((partition) => partition.offset !== '-1')).toBe(true);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('rejects settings that do not fit the kind', async () => {
    await expect(
      harness.sinks.create(
        {
          name: `${harness.prefix}bad-${suffix()}`,
          kind: 'splunk_hec',
          config: { url: 'ftp://nope' },
          secret: {},
          eventTypes: [],
          enabled: true,
          startFrom: 'latest',
        },
        ACTOR,
      ),
    ).rejects.toMatchObject({ problem: { status: 400 } });
  });

  it('exports to both sinks; HEC down (503, then stopped) catches up without loss while the webhook keeps flowing', async () => {
    const first = Array.from({ length: 10 }, () => access({ appId }));
    await produceAccess(harness, first);
    await waitFor('HEC to get the first batch', mine, (ids) => ids.length >= 10);
    await waitFor(
      'webhook to get the first batch',
      () => webhook.received,
      (ids) => ids.length >= 10,
    );
    const entry = hec.accepted.find((candidate) => candidate.event.id === first[0]!.id);
    expect(entry).toMatchObject({ sourcetype: 'portcullis:test', source: 'portcullis' });
    expect(entry?.time).toBeCloseTo(Date.parse(first[0]!.time) / 1000, 3);

    hec.mode = 'busy';
    const second = Array.from({ length: 10 }, () => access({ appId }));
    await produceAccess(harness, second);
    await waitFor(
      'webhook to get the second batch',
      () => webhook.received,
      (ids) => ids.length >= 20,
    );
    const failing = await waitFor(
      'the HEC sink to report its error',
      () => harness.sinks.status(hecSink.id),
      (status) => status.lastError !== null && !status.healthy,
    );
    expect(failing.lastError).toContain('503');
    expect(failing.lag).toBeGreaterThan(0);
    // Listed together, each sink carries its own status: the failing sink's backlog, not the other's.
    const listed = await harness.sinks.listWithStatus();
    const hecListed = listed.find((sink) => sink.id === hecSink.id);
    expect(hecListed?.status).toMatchObject({
      healthy: false,
      consumerGroup: failing.consumerGroup,
    });
    expect(hecListed?.status.lag).toBeGreaterThan(0);
    expect(listed.find((sink) => sink.id === webhookSink.id)?.status.healthy).toBe(true);

    const port = Number(new URL(hec.url).port);
    await hec.stop();
    const third = Array.from({ length: 10 }, () => access({ appId }));
    await produceAccess(harness, third);
    await waitFor(
      'webhook to get the third batch',
      () => webhook.received,
      (ids) => ids.length >= 30,
    );
    await waitFor(
      'the HEC sink to report the refused connection',
      () => harness.sinks.status(hecSink.id),
      (status) => status.lastError !== null && /unreachable/.test(status.lastError),
    );

    hec.mode = 'ok';
    await hec.start(port);
    const all = [...first, ...second, ...third].map((event) => event.id);
    const caughtUp = await waitFor(
      'HEC to catch up',
      mine,
      (ids) => all.every((id) => ids.includes(id)),
      45_000,
    );
    // At least once: a batch may be resent, but never more than the retried batch itself.
    const counts = new Map<string, number>();
    for (const id of caughtUp) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].every((count) => count <= 2)).toBe(true);
    expect(new Set(caughtUp).size).toBe(30);
    expect(new Set(webhook.received).size).toBe(30);
    expect(webhook.badSignatures()).toBe(0);

    const recovered = await waitFor(
      'the HEC sink to report success',
      () => harness.sinks.status(hecSink.id),
      (status) => status.healthy,
    );
    expect(recovered.lastSuccessAt).not.toBeNull();
  });

  it('applies a change at once: disabled stops exporting, the filter skips other types', async () => {
    await harness.sinks.update(webhookSink.id, { enabled: false }, ACTOR);
    expect(harness.supervisor.isRunning(webhookSink.id)).toBe(false);
    await harness.sinks.update(webhookSink.id, { enabled: true }, ACTOR);
    expect(harness.supervisor.isRunning(webhookSink.id)).toBe(true);
    const view = await harness.sinks.update(
      hecSink.id,
      { config: { url: hec.url, sourcetype: 'portcullis:changed' } },
      ACTOR,
    );
    expect(view.config).toMatchObject({ sourcetype: 'portcullis:changed' });
    // The secret survived a settings-only change.
    expect(view.hasSecret).toBe(true);
    const event = access({ appId });
    await produceAccess(harness, [event]);
    const got = await waitFor(
      'HEC to get the event with the new sourcetype',
      () => hec.accepted.filter((entry) => entry.event.id === event.id),
      (entries) => entries.length > 0,
    );
    expect(got[0]?.sourcetype).toBe('portcullis:changed');
  });

  it('publishes OCSF API Activity records to a Kafka topic a consumer can read', async () => {
    const topic = `audit-test.ocsf-${suffix()}`;
    await ensureTopics(harness.kafka, [
      { name: topic, partitions: 1, retentionMs: 3_600_000, cleanupPolicy: 'delete' },
    ]);
    const ocsfSink = await harness.sinks.create(
      {
        name: `${harness.prefix}ocsf-${suffix()}`,
        kind: 'ocsf_kafka',
        config: { topic },
        eventTypes: ['gateway.access'],
        enabled: true,
        startFrom: 'latest',
      },
      ACTOR,
    );
    try {
      const events = [
        access({ appId, method: 'GET' }),
        access({
          appId,
          method: 'DELETE',
          decision: 'deny',
          reason: 'insufficient_scope',
          status: 403,
        }),
      ];
      await produceAccess(harness, events);
      const consumer = harness.kafka.consumer({ groupId: `ocsf-reader-${suffix()}` });
      const records: Record<string, unknown>[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          records.push(
            JSON.parse(message.value?.toString('utf8') ?? '{}') as Record<string, unknown>,
          );
        },
      });
      try {
        await waitFor(
          'OCSF records',
          () => records,
          (list) => list.length >= 2,
        );
      } finally {
        await consumer.disconnect();
      }
      const byUid = new Map(
        records.map((record) => [(record.metadata as { uid: string }).uid, record]),
      );
      for (const event of events) {
        const record = byUid.get(event.id);
        expect(record).toBeDefined();
        // Required attributes of API Activity.
        for (const field of [
          'activity_id',
          'actor',
          'api',
          'category_uid',
          'class_uid',
          'cloud',
          'metadata',
          'severity_id',
          'src_endpoint',
          'time',
          'type_uid',
        ]) {
          expect(record, field).toHaveProperty(field);
        }
        expect(record).toMatchObject({
          class_uid: 6003,
          category_uid: 6,
          type_uid: 600300 + (record!.activity_id as number),
          time: Date.parse(event.time),
          src_endpoint: { ip: event.data.sourceIp },
        });
      }
      expect(byUid.get(events[0]!.id)).toMatchObject({ activity_id: 2, status_id: 1 });
      expect(byUid.get(events[1]!.id)).toMatchObject({ activity_id: 4, status_id: 2 });
    } finally {
      await harness.sinks.delete(ocsfSink.id, ACTOR);
    }
  });
  it('publishes alert transitions to the OCSF topic as Detection Findings', async () => {
    const topic = `audit-test.ocsf-alerts-${suffix()}`;
    await ensureTopics(harness.kafka, [
      { name: topic, partitions: 1, retentionMs: 3_600_000, cleanupPolicy: 'delete' },
    ]);
    const ocsfSink = await harness.sinks.create(
      {
        name: `${harness.prefix}ocsf-alerts-${suffix()}`,
        kind: 'ocsf_kafka',
        config: { topic },
        eventTypes: ['audit.alert'],
        enabled: true,
        startFrom: 'latest',
      },
      ACTOR,
    );
    try {
      const opened = alert();
      const resolved: AlertEvent = {
        ...alert(),
        data: {
          ...opened.data,
          transition: 'resolved',
          status: 'resolved',
          changedBy: 'secops@example.com',
        },
      };
      // As the alert store publishes transitions: keyed by alert, on the alerts topic.
      const producer = harness.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: TOPICS.alertEvents,
        acks: -1,
        messages: [opened, resolved].map((event) => ({
          key: event.data.alertId,
          value: JSON.stringify(event),
        })),
      });
      await producer.disconnect();

      const consumer = harness.kafka.consumer({ groupId: `ocsf-alert-reader-${suffix()}` });
      const records: Record<string, unknown>[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const record = JSON.parse(message.value?.toString('utf8') ?? '{}') as {
            finding_info?: { uid?: string };
          };
          // The alerts topic is shared with other tests: keep this alert's records.
          if (record.finding_info?.uid === opened.data.alertId) records.push(record);
        },
      });
      try {
        await waitFor(
          'Detection Findings',
          () => records,
          (list) => list.length >= 2,
        );
      } finally {
        await consumer.disconnect();
      }
      expect(records).toHaveLength(2);
      expect(records[0]).toMatchObject({
        class_uid: 2004,
        category_uid: 2,
        type_uid: 200401,
        activity_id: 1,
        status_id: 1,
        severity_id: 4,
        time: Date.parse(opened.time),
        metadata: { uid: opened.id },
        finding_info: { uid: opened.data.alertId, analytic: { uid: opened.data.rule } },
        evidences: [{ src_endpoint: { ip: '203.0.113.9' } }],
      });
      expect(records[1]).toMatchObject({
        class_uid: 2004,
        type_uid: 200403,
        activity_id: 3,
        status_id: 4,
        metadata: { uid: resolved.id },
        unmapped: { changed_by: 'secops@example.com' },
      });
    } finally {
      await harness.sinks.delete(ocsfSink.id, ACTOR);
    }
  });
});
