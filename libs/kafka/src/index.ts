export { createKafka, type CreateKafkaOptions } from './create-kafka.js';
export type { KafkaLogLevel } from './kafka-log.js';
export type { TopicSpec } from './topic-spec.js';
export { ensureTopics } from './ensure-topics.js';
export { checkKafka, closeKafkaCheck } from './check-kafka.js';
export { EventProducer, type EventProducerOptions } from './event-producer.js';
export { runConsumer, type RunConsumerOptions, type RunningConsumer } from './run-consumer.js';
export { SpoolFile, type SpoolBatch } from './spool-file.js';
export type { SpoolRecord } from './spool-record.js';
