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
  connectTimeoutMs?: number;
}

/**
 * One long-lived TCP or TLS connection to a syslog receiver, writing octet-counted frames. A
 * batch counts as delivered once the kernel took every byte; syslog has no application-level
 * acknowledgement, so a receiver that dies right after may lose what was in flight (RELP would
 * close that gap). A broken connection is dropped and the next send reconnects.
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
    try {
      await new Promise<void>((resolve, reject) => {
        socket.write(Buffer.concat(frames), (error) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      this.#drop();
      throw new SinkDeliveryError(`syslog write failed: ${describe(error)}`);
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
          this.#options.connectTimeoutMs ?? 5000,
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
    socket.on('error', (error) => {
      this.#broken = error;
    });
    socket.on('close', () => {
      this.#broken ??= new Error('closed by the receiver');
    });
    // Receivers do not talk back; reading keeps a half-closed socket from going unnoticed.
    socket.on('data', () => undefined);
    socket.on('end', () => {
      this.#broken ??= new Error('closed by the receiver');
    });
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
