// Creates the Kafka topics declared in libs/contracts (partitions, retention) before anyone subscribes.
import { TOPIC_SPECS } from '@portcullis/contracts';
import { createKafka, ensureTopics } from '@portcullis/kafka';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = createKafka({ brokers, clientId: 'portcullis-topics' });
await ensureTopics(kafka, TOPIC_SPECS);
for (const spec of TOPIC_SPECS) {
  console.log(
    `${spec.name}: ${spec.partitions} partitions, retention ${spec.retentionMs / 86_400_000} d`,
  );
}
