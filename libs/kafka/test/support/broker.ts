import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, '../../../..');
const script = resolve(repoRoot, 'infra/kafka/kafka.sh');

export interface BrokerInstance {
  port: number;
  controllerPort: number;
  /** Instance folder, under .var/. */
  dir: string;
}

async function kafkaSh(command: 'start' | 'stop', broker: BrokerInstance): Promise<void> {
  await run('bash', [script, command], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORTCULLIS_KAFKA_PORT: String(broker.port),
      PORTCULLIS_KAFKA_CONTROLLER_PORT: String(broker.controllerPort),
      PORTCULLIS_KAFKA_DIR: broker.dir,
    },
    timeout: 150_000,
  });
}

export const startBroker = (broker: BrokerInstance) => kafkaSh('start', broker);
export const stopBroker = (broker: BrokerInstance) => kafkaSh('stop', broker);

/**
 * The shared test broker: KAFKA_BROKERS from the global setup, or (when a test file runs on its
 * own without it) the same instance started here. Tests using it never stop it.
 */
export async function sharedBrokers(): Promise<string[]> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) return fromEnv.split(',').map((broker) => broker.trim());
  await startBroker({
    port: 19092,
    controllerPort: 19093,
    dir: resolve(repoRoot, '.var/kafka-test'),
  });
  return ['127.0.0.1:19092'];
}
