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

/**
 * `transient`: the destination is down, busy or slow; retrying soon will likely work.
 * `configuration`: the destination refuses the events as sent (wrong token, unknown index, an event
 * larger than it accepts…); only a change to the sink or the destination helps, so retries are slow.
 */
export type SinkFailureKind = 'transient' | 'configuration';

/** How lastError starts for a configuration failure (the status derives `errorKind` from it). */
export const CONFIGURATION_ERROR_PREFIX = 'configuration error: ';

export interface SinkDeliveryErrorOptions {
  /** Seconds the destination asked us to wait (HTTP Retry-After). */
  retryAfterSeconds?: number;
  kind?: SinkFailureKind;
  /** Leading events of the batch the destination did acknowledge before the failure. */
  delivered?: number;
}

/** Why a batch did not get through; the message is safe to store and show (no secrets). */
export class SinkDeliveryError extends Error {
  readonly retryAfterSeconds: number | undefined;
  readonly kind: SinkFailureKind;
  readonly delivered: number;

  constructor(message: string, options: SinkDeliveryErrorOptions = {}) {
    super(message);
    this.name = 'SinkDeliveryError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.kind = options.kind ?? 'transient';
    this.delivered = options.delivered ?? 0;
  }
}
