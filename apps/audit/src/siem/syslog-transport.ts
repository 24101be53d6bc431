import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SinkDeliveryError } from './sink-delivery.js';

export interface SyslogTransportOptions {
  host: string;
  port: number;
  /** Present: RFC 5425 (TLS); absent: plain TCP (RFC 6587). */
  tls?: {
    ca?: string;
    cert?: string;
    key?: string;
    servername?: string;
    rejectUnauthorized: boolean;
  };
  /** Connection and TLS handshake (default 5 s). */
  connectTimeoutMs?: number;
  /** Until the kernel took every byte of a batch (default 30 s). */
  writeTimeoutMs?: number;
}

export const DEFAULT_SYSLOG_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_SYSLOG_WRITE_TIMEOUT_MS = 30_000;

/**
 * One long-lived TCP or TLS connection to a syslog receiver, writing octet-counted frames. A
 * batch counts as delivered once the kernel took every byte; syslog has no application-level
 * acknowledgement, so a receiver that dies right after may lose what was in flight (RELP would
 * close that gap). Connecting and writing are timed: a receiver that accepts but stops reading
 * fails the batch instead of stalling it. A broken or timed-out connection is dropped and the next
 * send reconnects.
 */
export class SyslogTransport {
  readonly #options: SyslogTransportOptions;
  #socket: Socket | undefined;
  #broken: Error | undefined;

  constructor(options: SyslogTransportOptions) {
    this.#options = options;
  }

  async send(frames: readonly Buffer[]): Promise<void> {
    if (frames.length === 0) return;
    const socket = await this.#connected();
    const timeoutMs = this.#options.writeTimeoutMs ?? DEFAULT_SYSLOG_WRITE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        // The callback comes once the kernel took every byte: never, if the receiver stops reading.
        timer = setTimeout(
          () =>
            reject(new Error(`the receiver did not take the batch within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        socket.write(Buffer.concat(frames), (error) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      this.#drop();
      throw new SinkDeliveryError(`syslog write failed: ${describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
    if (this.#broken) {
      this.#drop();
      throw new SinkDeliveryError(`syslog connection lost: ${this.#broken.message}`);
    }
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.end(() => resolve());
      setTimeout(resolve, 1000).unref();
    });
    socket.destroy();
  }

  async #connected(): Promise<Socket> {
    if (this.#socket && !this.#socket.destroyed && !this.#broken) return this.#socket;
    this.#drop();
    const { host, port, tls } = this.#options;
    const socket = tls
      ? tlsConnect({
          host,
          port,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          servername: tls.servername ?? (isIp(host) ? undefined : host),
          rejectUnauthorized: tls.rejectUnauthorized,
        })
      : netConnect({ host, port });
    const readyEvent = tls ? 'secureConnect' : 'connect';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('connect timed out')),
          this.#options.connectTimeoutMs ?? DEFAULT_SYSLOG_CONNECT_TIMEOUT_MS,
        );
        socket.once(readyEvent, () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    } catch (error) {
      socket.destroy();
      throw new SinkDeliveryError(
        `cannot connect to syslog receiver ${host}:${port}: ${describe(error)}`,
      );
    }
    this.#broken = undefined;
    socket.setKeepAlive(true, 30_000);
    // A dropped socket closes later: its events must not mark its successor broken.
    const broke = (error: Error) => {
      if (this.#socket === socket) this.#broken ??= error;
    };
    socket.on('error', broke);
    socket.on('close', () => broke(new Error('closed by the receiver')));
    // Receivers do not talk back; reading keeps a half-closed socket from going unnoticed.
    socket.on('data', () => undefined);
    socket.on('end', () => broke(new Error('closed by the receiver')));
    this.#socket = socket;
    return socket;
  }

  #drop(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#broken = undefined;
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
