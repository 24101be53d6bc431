import type { ExportableEvent } from './siem-record.js';

/** A destination that takes batches of events and says when it has them. */
export interface SinkDelivery {
  /** Largest batch deliver() takes at once. */
  readonly batchSize: number;
  /**
   * Resolves once the destination acknowledged every event (HTTP 2xx, Kafka ack, TCP write
   * flushed); throws SinkDeliveryError otherwise. Events it does not export are skipped.
   */
  deliver(events: readonly ExportableEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Why a batch did not get through; the message is safe to store and show (no secrets). */
export class SinkDeliveryError extends Error {
  constructor(
    message: string,
    /** Seconds the destination asked us to wait (HTTP Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SinkDeliveryError';
  }
}
