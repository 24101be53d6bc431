import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { syslogConfigSchema } from '../../src/siem/sink-config.js';
import { SinkDeliveryError } from '../../src/siem/sink-delivery.js';
import { SyslogSink } from '../../src/siem/syslog-sink.js';
import { SyslogTransport } from '../../src/siem/syslog-transport.js';
import { parseCef, parseRfc5424, splitOctetCounted } from './siem-parsers.js';
import { access } from './siem-test-events.js';

/** Far more than loopback socket buffers hold (a few MB each side), so a write must wait. */
const STALL_BYTES = 48 * 1024 * 1024;

/**
 * A receiver whose first connection is accepted and never read (paused); later connections are
 * read and collected.
 */
interface StallingReceiver {
  port: number;
  /**
   * Reads the stalled connection again (discarding) and resolves once the sender closed it: a
   * paused socket cannot see the close, it sits behind the unread bytes.
   */
  stalledClosed(): Promise<void>;
  received: () => Buffer;
  close(): Promise<void>;
}

async function listen(server: Server, connections: Socket[]): Promise<number> {
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function stallFirst(
  createServer: (handler: (socket: Socket) => void) => Server,
): Promise<StallingReceiver> {
  const chunks: Buffer[] = [];
  const sockets: Socket[] = [];
  let stalled: Socket | undefined;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    if (!stalled) {
      stalled = socket;
      socket.pause();
      return;
    }
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  });
  return listen(server, sockets).then((port) => ({
    port,
    stalledClosed: () =>
      new Promise<void>((resolve) => {
        if (!stalled || stalled.destroyed) return resolve();
        stalled.on('close', () => resolve());
        stalled.on('data', () => undefined);
        stalled.resume();
      }),
    received: () => Buffer.concat(chunks),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  }));
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  return { ms: Date.now() - started, error };
}

describe('syslog write timeout', () => {
  it(
    'fails a batch the receiver stops reading within the timeout, then delivers on a new connection',
    { timeout: 20_000 },
    async () => {
      const receiver = await stallFirst((handler) => createTcpServer(handler));
      cleanups.push(() => receiver.close());
      const transport = new SyslogTransport({
        host: '127.0.0.1',
        port: receiver.port,
        writeTimeoutMs: 1000,
      });
      cleanups.push(() => transport.close());
      const frames = Array.from({ length: STALL_BYTES / (1024 * 1024) }, () =>
        Buffer.alloc(1024 * 1024, 0x41),
      );
      const { ms, error } = await timed(transport.send(frames));
      expect(error).toBeInstanceOf(SinkDeliveryError);
      expect((error as SinkDeliveryError).message).toBe(
        'syslog write failed: the receiver did not take the batch within 1 s',
      );
      expect((error as SinkDeliveryError).kind).toBe('transient');
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(5000);
      // The stuck connection is given up, not left open beside the next one.
      await receiver.stalledClosed();

      await transport.send([Buffer.from('5 hello')]);
      await expect
        .poll(() => receiver.received().toString('utf8'), { timeout: 5000 })
        .toBe('5 hello');
    },
  );

  it(
    'applies the sink setting writeTimeoutSeconds over TLS, and the batch goes through on retry',
    { timeout: 30_000 },
    async () => {
      const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
        keySize: 2048,
        algorithm: 'sha256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
      });
      const receiver = await stallFirst((handler) =>
        createTlsServer({ key: pems.private, cert: pems.cert }, handler),
      );
      cleanups.push(() => receiver.close());
      const config = syslogConfigSchema.parse({
        host: 'localhost',
        port: receiver.port,
        tls: true,
        caCert: pems.cert,
        writeTimeoutSeconds: 1,
      });
      expect(syslogConfigSchema.parse({ host: 'h', port: 1 }).writeTimeoutSeconds).toBe(30);
      const sink = new SyslogSink('cef', config, {});
      cleanups.push(() => sink.close());
      // Large events (long path and user agent), enough of them to outgrow the socket buffers.
      const big = { path: `/${'p'.repeat(2000)}`, userAgent: 'u'.repeat(1000) };
      const perEvent = Buffer.byteLength(sink.message(access(big)));
      const events = Array.from({ length: Math.ceil(STALL_BYTES / perEvent) }, () => access(big));
      const { ms, error } = await timed(sink.deliver(events));
      expect(error).toBeInstanceOf(SinkDeliveryError);
      expect((error as SinkDeliveryError).message).toContain('did not take the batch within 1 s');
      expect(ms).toBeLessThan(8000);
      await receiver.stalledClosed();

      // What the runner does next: the same batch again, on a fresh connection that is read.
      const retried = events.slice(0, 3);
      await sink.deliver(retried);
      await expect
        .poll(() => splitOctetCounted(receiver.received()).length, { timeout: 5000 })
        .toBe(3);
      const ids = splitOctetCounted(receiver.received()).map(
        (message) => parseCef(parseRfc5424(message).message).extension.externalId,
      );
      expect(ids).toEqual(retried.map((event) => event.id));
    },
  );
});
