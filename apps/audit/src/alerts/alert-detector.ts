import { parseEvent, TOPICS } from '@portcullis/contracts';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { initGroupPosition } from '../siem/consumer-start-position.js';
import type { AlertRules } from './alert-rules.js';
import type { AlertStore } from './alert-store.js';

export const ALERT_TOPICS = [TOPICS.accessEvents, TOPICS.managementEvents];

export interface AlertDetectorOptions {
  kafka: Kafka;
  groupId: string;
  /** Default: the access and management topics. */
  topics?: readonly string[];
  rules: AlertRules;
  store: AlertStore;
  logger?: Logger;
}

/**
 * Evaluates the rules on the access and management streams. Its own consumer group; replicas
 * share the partitions and the counters (Redis). Fetches return as soon as records arrive
 * (minBytes 1, short max wait), so an alert opens within a second or two of its event. Offsets
 * are committed after each event's detections are stored (at least once; counters dedupe on the
 * event id, alerts on the dedupKey).
 */
export class AlertDetector {
  readonly #options: AlertDetectorOptions;
  readonly #logger: Logger | undefined;
  #consumer: Consumer | undefined;

  constructor(options: AlertDetectorOptions) {
    this.#options = options;
    this.#logger = options.logger?.child({ groupId: options.groupId });
  }

  async start(): Promise<void> {
    const { kafka, groupId } = this.#options;
    const topics = [...(this.#options.topics ?? ALERT_TOPICS)];
    await initGroupPosition(kafka, groupId, topics, 'latest');
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      maxBytesPerPartition: 256 * 1024,
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.#logger?.error({ err: event.payload.error }, 'alert detector consumer crashed');
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics, fromBeginning: false });
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 3,
        eachBatch: (payload) => this.#eachBatch(payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.#consumer = consumer;
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect().catch(() => undefined);
    this.#consumer = undefined;
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    let sinceCommit = 0;
    for (const message of payload.batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      const parsed = parseEvent(message.value);
      if (parsed.ok) {
        // A Redis or database failure throws: kafkajs restarts from the last commit.
        const detections = await this.#options.rules.evaluate(parsed.event);
        for (const detection of detections) await this.#options.store.raise(detection);
      }
      payload.resolveOffset(message.offset);
      sinceCommit += 1;
      if (sinceCommit >= 100) {
        await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
        await payload.heartbeat();
        sinceCommit = 0;
      }
    }
    if (payload.isStale()) return;
    await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
    await payload.heartbeat();
  }
}
