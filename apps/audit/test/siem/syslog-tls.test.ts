import { createServer, type Server } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syslogConfigSchema } from '../../src/siem/sink-config.js';
import { SinkDeliveryError } from '../../src/siem/sink-delivery.js';
import { SyslogSink } from '../../src/siem/syslog-sink.js';
import { parseCef, parseRfc5424, splitOctetCounted } from './siem-parsers.js';
import { access, NASTY } from './siem-test-events.js';

/** An RFC 5425 receiver: TLS, octet-counted frames; collects the raw stream. */
describe('syslog sink over TLS (RFC 5425)', () => {
  let server: Server;
  let port: number;
  let ca: string;
  const received: Buffer[] = [];

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    ca = pems.cert;
    server = createServer({ key: pems.private, cert: pems.cert }, (socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('delivers octet-counted CEF frames to a receiver whose certificate it trusts', async () => {
    const sink = new SyslogSink(
      'cef',
      syslogConfigSchema.parse({ host: 'localhost', port, tls: true, caCert: ca }),
      {},
    );
    const events = [access({ userAgent: NASTY }), access({ path: '/second' })];
    try {
      await sink.deliver(events);
    } finally {
      await sink.close();
    }
    const deadline = Date.now() + 10_000;
    let messages: string[] = [];
    while (Date.now() < deadline) {
      messages = splitOctetCounted(Buffer.concat(received));
      if (messages.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(messages).toHaveLength(2);
    const cef = messages.map((message) => parseCef(parseRfc5424(message).message));
    expect(cef.map((entry) => entry.extension.externalId)).toEqual(events.map((event) => event.id));
    expect(cef[0]?.extension.requestClientApplication).toBe(NASTY);
    expect(cef[1]?.extension.request).toBe('/second');
  });

  it('refuses a receiver whose certificate it does not trust', async () => {
    const sink = new SyslogSink(
      'cef',
      syslogConfigSchema.parse({ host: 'localhost', port, tls: true }),
      {},
    );
    try {
      await expect(sink.deliver([access()])).rejects.toBeInstanceOf(SinkDeliveryError);
    } finally {
      await sink.close();
    }
  });
});
