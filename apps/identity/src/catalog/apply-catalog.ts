// Applies a catalog-as-code file to the database:
//   node apps/identity/dist/catalog/apply-catalog.js <file.yaml>
// Uses DATABASE_URL, KAFKA_BROKERS and SPOOL_DIR like the service (events spool if Kafka is down).
// Exit codes: 0 applied, 1 invalid file or conflict, 78 bad configuration.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@portcullis/config';
import { createPrismaClient } from '@portcullis/db';
import { createKafka, EventProducer } from '@portcullis/kafka';
import { ProblemException } from '@portcullis/nest-service';
import { createLogger } from '@portcullis/telemetry';
import { ConfigChanges } from '../audit-trail/config-changes.js';
import { ConfigVersion } from '../audit-trail/config-version.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import { loadIdentityConfig } from '../config.js';
import { CatalogApplier, type CatalogApplySummary } from './catalog-applier.js';
import { CatalogChanges } from './catalog-changes.js';
import { CatalogFileError } from './catalog-file.js';
import { CatalogWriter } from './catalog-writer.js';
import { UpstreamPolicy } from './upstream-policy.js';

export async function applyCatalogFromCommandLine(argv: string[]): Promise<number> {
  const [file] = argv;
  if (!file || file === '--help' || file === '-h') {
    console.error('Usage: node apps/identity/dist/catalog/apply-catalog.js <catalog.yaml>');
    return file ? 0 : 1;
  }
  let config;
  try {
    config = loadIdentityConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`apply-catalog: ${error.message}`);
      return 78;
    }
    throw error;
  }
  const logger = createLogger({ name: 'apply-catalog', level: config.LOG_LEVEL });
  const prisma = createPrismaClient({
    databaseUrl: config.DATABASE_URL,
    applicationName: 'identity-apply-catalog',
  });
  const producer = new EventProducer({
    kafka: createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'identity-apply-catalog' }),
    spoolDir: config.SPOOL_DIR,
    name: 'identity-apply-catalog',
    logger,
  });
  try {
    await producer.start();
    // A one-shot command: the version tracker is never started, only told about changes.
    const configChanges = new ConfigChanges(
      prisma,
      producer,
      new ConfigVersion(prisma, config, logger),
    );
    const events = new ManagementEvents(producer);
    const upstreams = new UpstreamPolicy(config);
    const applier = new CatalogApplier(
      prisma,
      new CatalogWriter(upstreams),
      new CatalogChanges(configChanges, events),
      configChanges,
      events,
      upstreams,
    );
    const summary = await applier.applyFile(resolve(file), {
      type: 'system',
      id: null,
      label: 'apply-catalog',
    });
    process.stdout.write(`${describe(file, summary)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CatalogFileError) {
      console.error(`apply-catalog: ${file}: ${error.message}`);
      return 1;
    }
    if (error instanceof ProblemException) {
      console.error(`apply-catalog: ${file}: ${error.problem.detail ?? error.problem.title}`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`apply-catalog: ${file}: no such file`);
      return 1;
    }
    throw error;
  } finally {
    await producer.stop();
    await prisma.$disconnect();
  }
}

export function describe(file: string, summary: CatalogApplySummary): string {
  const list = (names: string[]) => (names.length > 0 ? names.join(', ') : '-');
  return [
    `Applied ${file}:`,
    `  teams created:  ${list(summary.teamsCreated)}`,
    `  APIs created:   ${list(summary.apisCreated)}`,
    `  APIs updated:   ${list(summary.apisUpdated)}`,
    `  APIs unchanged: ${list(summary.apisUnchanged)}`,
    `  APIs deleted:   ${list(summary.apisDeleted)}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  applyCatalogFromCommandLine(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('apply-catalog failed:', error);
      process.exit(1);
    },
  );
}
