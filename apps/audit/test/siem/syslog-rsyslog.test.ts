import { TOPICS } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syslogConfigSchema } from '../../src/siem/sink-config.js';
import { SyslogSink } from '../../src/siem/syslog-sink.js';
import { parseCef, parseLeef, parseRfc5424 } from './siem-parsers.js';
import { startRsyslog, type RsyslogReceiver } from './rsyslog-receiver.js';
import { startSiem, waitFor } from './siem-harness.js';
import { access, alert, management, NASTY, suffix } from './siem-test-events.js';

/** rsyslog's view of one message, plus our own RFC 5424 parse of the raw text. */
function received(line: string) {
  const [facility, severity, appName, msgId, protocolVersion, ...rest] = line.split('\t');
  return {
    facility: Number(facility),
    severity: Number(severity),
    appName,
    msgId,
    protocolVersion,
    syslog: parseRfc5424(rest.join('\t')),
  };
}

describe('syslog sink → rsyslog (RFC 5424, octet counting over TCP)', () => {
  let rsyslog: RsyslogReceiver;

  beforeAll(async () => {
    rsyslog = await startRsyslog();
  });

  afterAll(async () => {
    await rsyslog?.stop();
  });

  it('delivers CEF whose fields parse back, including |, =, \\ and newlines', async () => {
    const config = syslogConfigSchema.parse({ host: '127.0.0.1', port: rsyslog.port });
    const sink = new SyslogSink('cef', config, {});
    const events = [
      access({ path: `/cef/${NASTY}`, userAgent: NASTY, clientId: 'cef|client=1' }),
      management(),
      alert(),
    ];
    try {
      await sink.deliver(events);
    } finally {
      await sink.close();
    }
    const lines = (await rsyslog.waitForLines(events.length)).filter((line) =>
      events.some((event) => line.includes(event.id)),
    );
    expect(lines).toHaveLength(3);
    const byId = new Map(
      lines.map((line) => {
        const message = received(line);
        const cef = parseCef(message.syslog.message);
        return [cef.extension.externalId, { message, cef }];
      }),
    );

    const accessLine = byId.get(events[0]!.id)!;
    expect(accessLine.message).toMatchObject({
      facility: 13,
      severity: 6,
      appName: 'portcullis',
      msgId: 'gateway.access',
      protocolVersion: '1',
    });
    expect(accessLine.cef).toMatchObject({ vendor: 'Portcullis', signatureId: 'access:ok' });
    expect(accessLine.cef.extension).toMatchObject({
      request: `/cef/${NASTY}`,
      requestClientApplication: NASTY,
      suser: 'cef|client=1',
      src: '203.0.113.9',
      requestMethod: 'POST',
      outcome: 'success',
    });

    const managementLine = byId.get(events[1]!.id)!;
    expect(managementLine.message.msgId).toBe('identity.management');
    expect(managementLine.cef.extension).toMatchObject({
      suser: 'sec|ops=team\\lead',
      reason: 'leaked\nin a repo',
    });

    const alertLine = byId.get(events[2]!.id)!;
    // CEF severity 8 → syslog error (3).
    expect(alertLine.message).toMatchObject({ msgId: 'audit.alert', severity: 3 });
    expect(alertLine.cef.extension.msg).toBe('50 failures | from 203.0.113.9 = bad');
  });

  it('delivers LEEF 2.0 with the tab delimiter and with a custom one', async () => {
    const tabSink = new SyslogSink(
      'leef',
      syslogConfigSchema.parse({ host: '127.0.0.1', port: rsyslog.port, facility: 10 }),
      {},
    );
    const caretSink = new SyslogSink(
      'leef',
      syslogConfigSchema.parse({ host: '127.0.0.1', port: rsyslog.port, leefDelimiter: '^' }),
      {},
    );
    const tabEvent = access({ path: `/leef/${NASTY}`, userAgent: NASTY });
    const caretEvent = access({ path: `/leef^${NASTY}`, clientId: 'c^=|\\' });
    try {
      await tabSink.deliver([tabEvent]);
      await caretSink.deliver([caretEvent]);
    } finally {
      await tabSink.close();
      await caretSink.close();
    }
    const deadline = Date.now() + 15_000;
    let mine: string[] = [];
    while (Date.now() < deadline) {
      mine = rsyslog.lines().filter((line) => line.includes('LEEF:2.0'));
      if (mine.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const parsed = mine.map((line) => {
      const message = received(line);
      return { message, leef: parseLeef(message.syslog.message) };
    });
    const tab = parsed.find((entry) => entry.leef.attributes.eventId === tabEvent.id);
    const caret = parsed.find((entry) => entry.leef.attributes.eventId === caretEvent.id);
    expect(tab?.message.facility).toBe(10);
    expect(tab?.leef).toMatchObject({ version: 'LEEF:2.0', delimiter: '\t', eventId: 'access:ok' });
    expect(tab?.leef.attributes).toMatchObject({
      url: `/leef/${NASTY}`,
      userAgent: NASTY,
      src: '203.0.113.9',
      httpStatus: '201',
    });
    expect(caret?.leef.delimiter).toBe('^');
    expect(caret?.leef.attributes).toMatchObject({
      url: `/leef^${NASTY}`,
      usrName: 'c^=|\\',
    });
  });

  it('exports from Kafka through a syslog_cef sink created through the service', async () => {
    const harness = await startSiem();
    const actor = { type: 'user' as const, id: null, label: 'secops@example.com' };
    const sink = await harness.sinks.create(
      {
        name: `${harness.prefix}rsyslog-${suffix()}`,
        kind: 'syslog_cef',
        config: { host: '127.0.0.1', port: rsyslog.port },
        eventTypes: ['gateway.access'],
        enabled: true,
        startFrom: 'latest',
      },
      actor,
    );
    try {
      const event = access({ userAgent: `via-kafka ${NASTY}` });
      const producer = harness.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: TOPICS.accessEvents,
        acks: -1,
        messages: [{ key: event.data.appId, value: JSON.stringify(event) }],
      });
      await producer.disconnect();
      const lines = await waitFor(
        'rsyslog to write the event',
        () => rsyslog.lines().filter((line) => line.includes(event.id)),
        (found) => found.length > 0,
      );
      const cef = parseCef(received(lines[0]!).syslog.message);
      expect(cef.extension.requestClientApplication).toBe(`via-kafka ${NASTY}`);
      const status = await waitFor(
        'the sink to record its success',
        () => harness.sinks.status(sink.id),
        (current) => current.lastSuccessAt !== null,
      );
      expect(status).toMatchObject({ healthy: true, lastError: null });
    } finally {
      await harness.sinks.delete(sink.id, actor);
      await harness.close();
    }
  });
});
