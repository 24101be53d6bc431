import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './app-process.js';

const run = promisify(execFile);

/**
 * A Kafka broker of one test's own (infra/kafka/kafka.sh with its own folder and ports), for
 * tests that stop and start Kafka. Never the shared test broker.
 */
export class DedicatedKafka {
  readonly dir: string;

  constructor(
    readonly port: number,
    readonly controllerPort: number,
    /** JVM heap flags. */
    readonly heapOpts = '-Xmx256m -Xms128m',
  ) {
    this.dir = resolve(ROOT, `.var/kafka-e2e-${port}`);
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  #env() {
    return {
      ...process.env,
      PORTCULLIS_KAFKA_PORT: String(this.port),
      PORTCULLIS_KAFKA_CONTROLLER_PORT: String(this.controllerPort),
      PORTCULLIS_KAFKA_DIR: this.dir,
      PORTCULLIS_KAFKA_HEAP_OPTS: this.heapOpts,
    };
  }

  async start(): Promise<void> {
    await run('bash', [resolve(ROOT, 'infra/kafka/kafka.sh'), 'start'], {
      cwd: ROOT,
      env: this.#env(),
      timeout: 180_000,
    });
  }

  /** Stops the broker but keeps its data, so start() brings back the same topics and offsets. */
  async halt(): Promise<void> {
    await run('bash', [resolve(ROOT, 'infra/kafka/kafka.sh'), 'stop'], {
      cwd: ROOT,
      env: this.#env(),
      timeout: 60_000,
    });
  }

  async stop(): Promise<void> {
    await run('bash', [resolve(ROOT, 'infra/kafka/kafka.sh'), 'stop'], {
      cwd: ROOT,
      env: this.#env(),
      timeout: 60_000,
    }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
