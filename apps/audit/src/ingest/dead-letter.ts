import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';

/** Headers every dead-lettered record carries, besides its original headers. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dead-letter-reason',
  topic: 'x-dead-letter-topic',
  partition: 'x-dead-letter-partition',
  offset: 'x-dead-letter-offset',
  consumerGroup: 'x-dead-letter-consumer-group',
  eventId: 'x-dead-letter-event-id',
  failedAt: 'x-dead-letter-failed-at',
} as const;

const MAX_REASON_LENGTH = 2_000;

export interface RejectedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  /** The original bytes, as received (null for an empty record). */
  value: Buffer | null;
  headers: IHeaders | undefined;
  reason: string;
  eventId: string | null;
}

/**
 * Sends records the store refused to the dead-letter topic and waits for the broker's ack, so the
 * consumer commits past them only once they are safe there.
 */
export class DeadLetterPublisher {
  #producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly consumerGroup: string,
  ) {}

  async start(): Promise<void> {
    this.#producer ??= this.kafka.producer({ allowAutoTopicCreation: false });
    await this.#producer.connect();
  }

  async publish(records: RejectedRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!this.#producer) throw new Error('DeadLetterPublisher not started');
    const failedAt = new Date().toISOString();
    const messages: Message[] = records.map((record) => ({
      key: record.key,
      value: record.value,
      headers: {
        ...record.headers,
        [DEAD_LETTER_HEADERS.reason]: record.reason.slice(0, MAX_REASON_LENGTH),
        [DEAD_LETTER_HEADERS.topic]: record.topic,
        [DEAD_LETTER_HEADERS.partition]: String(record.partition),
        [DEAD_LETTER_HEADERS.offset]: record.offset,
        [DEAD_LETTER_HEADERS.consumerGroup]: this.consumerGroup,
        [DEAD_LETTER_HEADERS.failedAt]: failedAt,
        ...(record.eventId ? { [DEAD_LETTER_HEADERS.eventId]: record.eventId } : {}),
      },
    }));
    await this.#producer.send({ topic: this.topic, acks: -1, messages });
  }

  async stop(): Promise<void> {
    await this.#producer?.disconnect();
  }
}
