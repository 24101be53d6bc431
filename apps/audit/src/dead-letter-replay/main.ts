import { loadConfigOrExit } from '@portcullis/config';
import { createKafka } from '@portcullis/kafka';
import { createLogger } from '@portcullis/telemetry';
import { loadAuditConfig } from '../config.js';
import { replayDeadLetters } from './replay-dead-letters.js';

// `node apps/audit/dist/dead-letter-replay/main.js [--dry-run]`, with audit's environment.
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--dry-run');
if (unknown.length > 0) {
  console.error(`usage: replay-dead-letters [--dry-run]   (unknown: ${unknown.join(' ')})`);
  process.exit(64);
}
const config = loadConfigOrExit('audit', () => loadAuditConfig());
const logger = createLogger({ name: 'audit-dead-letter-replay', level: config.LOG_LEVEL });
const kafka = createKafka({
  brokers: config.KAFKA_BROKERS,
  clientId: 'audit-dead-letter-replay',
  logger,
});
const report = await replayDeadLetters({
  kafka,
  deadLetterTopic: config.AUDIT_DEAD_LETTER_TOPIC,
  ingestTopics: config.AUDIT_INGEST_TOPICS,
  replayGroup: `${config.AUDIT_CONSUMER_GROUP}.dead-letter-replay`,
  dryRun: args.includes('--dry-run'),
  logger,
});
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
