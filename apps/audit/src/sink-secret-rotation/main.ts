import { loadConfigOrExit } from '@portcullis/config';
import { createPrismaClient } from '@portcullis/db';
import { createKafka, EventProducer } from '@portcullis/kafka';
import { createLogger } from '@portcullis/telemetry';
import { loadAuditConfig } from '../config.js';
import { AuditManagementEvents } from '../siem/sink-management-events.js';
import { SinkSecretCipher } from '../siem/sink-secret-cipher.js';
import { resealSinkSecrets } from './reseal-sink-secrets.js';

// `node apps/audit/dist/sink-secret-rotation/main.js`, with audit's environment: re-encrypts
// sink secrets under AUDIT_SINK_SECRET_KEY (apps/audit/README.md, "Rotating the sink secret key").
const config = loadConfigOrExit('audit', () => loadAuditConfig());
const logger = createLogger({ name: 'audit-rotate-sink-secret-key', level: config.LOG_LEVEL });
const prisma = createPrismaClient({
  databaseUrl: config.DATABASE_URL,
  applicationName: 'audit-rotate-sink-secret-key',
  poolMax: 2,
});
const producer = new EventProducer({
  kafka: createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: 'audit-rotate-sink-secret-key',
    logger,
  }),
  spoolDir: config.SPOOL_DIR,
  name: 'audit-rotate-sink-secret-key',
  logger,
});
await producer.start();
try {
  const report = await resealSinkSecrets(
    prisma,
    new SinkSecretCipher(config.AUDIT_SINK_SECRET_KEY, config.AUDIT_SINK_SECRET_KEY_PREVIOUS),
    config.AUDIT_SINK_SECRET_KEY_PREVIOUS.length,
    new AuditManagementEvents(producer),
  );
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (report.unreadable.length > 0) {
    console.error(
      'Some sink secrets decrypt with none of the configured keys: keep the previous keys.',
    );
    process.exitCode = 2;
  }
} finally {
  // The event is delivered or spooled (sent by the next audit start with this SPOOL_DIR).
  await producer.stop();
  await prisma.$disconnect();
}
