import { loadConfigOrExit } from '@portcullis/config';
import { createPrismaClient } from '@portcullis/db';
import { createKafka, EventProducer } from '@portcullis/kafka';
import { createLogger } from '@portcullis/telemetry';
import { ManagementEvents } from '../audit-trail/management-events.js';
import { loadIdentityConfig } from '../config.js';
import { resealUnderCurrentKey } from './reseal-secrets.js';

// `node apps/identity/dist/master-key/main.js`, with identity's environment: re-seals secrets
// sealed under IDENTITY_MASTER_KEY_PREVIOUS under IDENTITY_MASTER_KEY (apps/identity/README.md).
const config = loadConfigOrExit('identity', () => loadIdentityConfig());
const logger = createLogger({ name: 'identity-rotate-master-key', level: config.LOG_LEVEL });
const prisma = createPrismaClient({
  databaseUrl: config.DATABASE_URL,
  applicationName: 'identity-rotate-master-key',
  poolMax: 2,
});
const producer = new EventProducer({
  kafka: createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: 'identity-rotate-master-key',
    logger,
  }),
  spoolDir: config.SPOOL_DIR,
  name: 'identity-rotate-master-key',
  logger,
});
await producer.start();
try {
  const report = await resealUnderCurrentKey(prisma, config, new ManagementEvents(producer));
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const unreadable = Object.values(report).some((counts) => counts.unreadable.length > 0);
  if (unreadable) {
    console.error('Some secrets open with none of the configured keys: keep the previous keys.');
    process.exitCode = 2;
  }
} finally {
  // The event is delivered or spooled (sent by the next identity start with this SPOOL_DIR).
  await producer.stop();
  await prisma.$disconnect();
}
