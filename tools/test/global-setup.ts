import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The test stack: its own database and broker, so `npm start` can run beside the tests. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis_test';
export const TEST_KAFKA_PORT = process.env.TEST_KAFKA_PORT ?? '19092';
/** One broker folder per port, so test runs on different ports can run side by side. */
export const TEST_KAFKA_DIR = resolve(
  root,
  TEST_KAFKA_PORT === '19092' ? '.var/kafka-test' : `.var/kafka-test-${TEST_KAFKA_PORT}`,
);

export default async function setup(): Promise<() => Promise<void>> {
  process.env.DATABASE_URL = TEST_DATABASE_URL;
  process.env.KAFKA_BROKERS = `127.0.0.1:${TEST_KAFKA_PORT}`;
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'warn';
  // The suite fails sign-ins from 127.0.0.1 on purpose thousands of times (lockouts, portal
  // messages): the per-address limit is tested on addresses of its own
  // (apps/identity/test/users/sign-in-address-limit.test.ts), and must not hold back the rest.
  process.env.SIGN_IN_MAX_FAILURES_PER_ADDRESS ??= '1000000';

  await Promise.all([prepareDatabase(), startKafka()]);
  await createTopics();
  const report = await reliabilityReport();
  report.resetFindings();
  return async () => {
    // Set by tools/scripts/test.sh (`npm test`), the only run that has every reliability test.
    const path = report.writeReportIfAny(process.env.PORTCULLIS_WHOLE_SUITE === '1');
    if (path) console.log(`reliability report: ${path}`);
  };
}

async function reliabilityReport() {
  return (await import(
    resolve(root, 'e2e/reliability/support/reliability-report.ts')
  )) as typeof import('../../e2e/reliability/support/reliability-report.js');
}

/** Topics exist before any test subscribes (auto-creation is off, as in production). */
async function createTopics(): Promise<void> {
  // Source paths: the global setup runs before the source resolve condition applies.
  const { TOPIC_SPECS } = (await import(
    resolve(root, 'libs/contracts/src/index.ts')
  )) as typeof import('@portcullis/contracts');
  const { createKafka, ensureTopics } = (await import(
    resolve(root, 'libs/kafka/src/index.ts')
  )) as typeof import('@portcullis/kafka');
  const kafka = createKafka({ brokers: [`127.0.0.1:${TEST_KAFKA_PORT}`], clientId: 'test-setup' });
  await ensureTopics(kafka, TOPIC_SPECS);
}

async function prepareDatabase(): Promise<void> {
  const enginePath = resolve(root, 'tools/db/schema-engine.ts');
  if (!existsSync(enginePath)) return;
  const engine = (await import(enginePath)) as {
    resetDatabase(url: string, options?: { force?: boolean }): Promise<void>;
  };
  await engine.resetDatabase(TEST_DATABASE_URL, { force: true });
}

async function startKafka(): Promise<void> {
  const script = resolve(root, 'infra/kafka/kafka.sh');
  if (!existsSync(script)) return;
  await run('bash', [script, 'start'], {
    cwd: root,
    env: {
      ...process.env,
      PORTCULLIS_KAFKA_PORT: TEST_KAFKA_PORT,
      PORTCULLIS_KAFKA_CONTROLLER_PORT: String(Number(TEST_KAFKA_PORT) + 1),
      PORTCULLIS_KAFKA_DIR: TEST_KAFKA_DIR,
    },
    timeout: 180_000,
  });
}
