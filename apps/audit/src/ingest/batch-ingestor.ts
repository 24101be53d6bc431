import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { AuditRowContent } from '../integrity/row-hash.js';
import type { EventWriter } from '../store/event-writer.js';
import { classifyRecords } from './classify-records.js';
import type { DeadLetterPublisher, RejectedRecord } from './dead-letter.js';
import type { IngestMetrics } from './ingest-metrics.js';

const MESSAGES_PER_TURN = 256;

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
    private readonly metrics?: IngestMetrics,
  ) {}

  async handleBatch(payload: Pick<EachBatchPayload, 'batch'>): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    // Validated a slice at a time, yielding in between: other partitions' batches share this
    // thread, and one of them may hold its chain lock waiting for Node to read PostgreSQL's answer.
    const rows: AuditRowContent[] = [];
    const rejected: RejectedRecord[] = [];
    for (let start = 0; start < messages.length; start += MESSAGES_PER_TURN) {
      if (start > 0) await yieldToEventLoop();
      const slice = classifyRecords(
        topic,
        partition,
        messages.slice(start, start + MESSAGES_PER_TURN),
      );
      rows.push(...slice.rows);
      rejected.push(...slice.rejected);
    }
    const result = await this.writer.write(rows);
    await this.deadLetter.publish(rejected);
    this.counters.batches++;
    this.counters.stored += result.inserted;
    this.counters.duplicates += result.duplicates;
    this.counters.deadLettered += rejected.length;
    this.metrics?.record(topic, {
      stored: result.inserted,
      duplicates: result.duplicates,
      deadLettered: rejected.length,
    });
    for (const record of rejected) {
      this.logger?.warn(
        { topic, partition, offset: record.offset, eventId: record.eventId, reason: record.reason },
        'event dead-lettered',
      );
    }
  }
}
