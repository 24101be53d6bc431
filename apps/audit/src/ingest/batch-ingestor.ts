import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventWriter } from '../store/event-writer.js';
import { classifyRecords } from './classify-records.js';
import type { DeadLetterPublisher } from './dead-letter.js';

export interface IngestCounters {
  stored: number;
  duplicates: number;
  deadLettered: number;
  batches: number;
}

/**
 * What the consumer does with one batch (one partition): validate, store the valid events in one
 * transaction, dead-letter the rest, and only then return, so runConsumer commits the offsets.
 * Throwing leaves the offsets where they were and the batch comes again.
 */
export class BatchIngestor {
  readonly counters: IngestCounters = { stored: 0, duplicates: 0, deadLettered: 0, batches: 0 };

  constructor(
    private readonly writer: EventWriter,
    private readonly deadLetter: DeadLetterPublisher,
    private readonly logger?: Logger,
  ) {}

  async handleBatch(payload: Pick<EachBatchPayload, 'batch'>): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const { rows, rejected } = classifyRecords(topic, partition, messages);
    const result = await this.writer.write(rows);
    await this.deadLetter.publish(rejected);
    this.counters.batches++;
    this.counters.stored += result.inserted;
    this.counters.duplicates += result.duplicates;
    this.counters.deadLettered += rejected.length;
    for (const record of rejected) {
      this.logger?.warn(
        { topic, partition, offset: record.offset, eventId: record.eventId, reason: record.reason },
        'event dead-lettered',
      );
    }
  }
}
