import { parseEvent, TOPICS } from '@portcullis/contracts';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import {
  CONFIGURATION_ERROR_PREFIX,
  SinkDeliveryError,
  type SinkDelivery,
} from './sink-delivery.js';
import type { SinkMetrics } from './siem-metrics.js';
import { isExportable, type ExportableEvent } from './siem-record.js';

/** What every SIEM sink reads. */
export const SINK_TOPICS = [
  TOPICS.accessEvents,
  TOPICS.managementEvents,
  TOPICS.alertEvents,
  TOPICS.auditCheckpoints,
];

/** Each sink is its own consumer group, so its position is its own and durable in Kafka. */
export function sinkGroupId(sinkId: string): string {
  return `audit-sink-${sinkId}`;
}

export interface SinkRunnerOptions {
  kafka: Kafka;
  sinkId: string;
  delivery: SinkDelivery;
  /** Event types to export (`gateway.access`, …); empty exports all. */
  eventTypes: readonly string[];
  logger?: Logger;
  onSuccess?: (at: Date) => Promise<void>;
  metrics?: SinkMetrics;
  /** `message` is the SinkDeliveryError's text: never a secret. */
  onError?: (message: string, at: Date) => Promise<void>;
  /** Backoff while the sink is down or busy: doubles from min to max (default 0.5 s to 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Longest pause while the destination refuses the events as misconfigured (default 5 min; the
   * first pause is 1 min, or this if shorter). Still retried, so a fix made at the destination
   * (the index created, the token enabled) resumes delivery without touching the sink.
   */
  configErrorMaxBackoffMs?: number;
}

const CONFIG_ERROR_MIN_BACKOFF_MS = 60_000;

/**
 * Streams the event topics into one sink. A batch's offsets are committed only after the sink
 * acknowledged it; while the sink is down the runner retries the same batch with exponential
 * backoff (heartbeating, so the group keeps its partitions) and reads nothing new. A
 * configuration failure (the destination refuses the events as sent) is retried too, but slowly:
 * skipping the batch would lose it, and a fix at the destination must resume delivery. Other sinks
 * run their own groups and are not held up. Delivery is at least once: a crash between the sink's
 * acknowledgement and the commit resends that batch.
 */
export class SinkRunner {
  readonly #options: SinkRunnerOptions;
  readonly #logger: Logger | undefined;
  readonly #types: ReadonlySet<string>;
  #consumer: Consumer | undefined;
  #stopped = false;
  #wakeSleepers = new Set<() => void>();

  constructor(options: SinkRunnerOptions) {
    this.#options = options;
    this.#logger = options.logger?.child({ sinkId: options.sinkId });
    this.#types = new Set(options.eventTypes);
  }

  get groupId(): string {
    return sinkGroupId(this.#options.sinkId);
  }

  async start(): Promise<void> {
    const consumer = this.#options.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1000,
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.#logger?.error({ err: event.payload.error }, 'SIEM sink consumer crashed');
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: SINK_TOPICS, fromBeginning: false });
      await consumer.run({
        eachBatchAutoResolve: false,
        autoCommitThreshold: 1,
        eachBatch: (payload) => this.#eachBatch(payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.#consumer = consumer;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const wake of [...this.#wakeSleepers]) wake();
    await this.#consumer?.disconnect().catch(() => undefined);
    this.#consumer = undefined;
    await this.#options.delivery.close().catch(() => undefined);
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const size = this.#options.delivery.batchSize;
    // Chunks of deliverable events, each with the last offset it covers.
    let chunk: ExportableEvent[] = [];
    for (const [index, message] of batch.messages.entries()) {
      const event = this.#exportable(message.value);
      if (event) chunk.push(event);
      const last = index === batch.messages.length - 1;
      if (chunk.length >= size || (last && chunk.length > 0)) {
        if (!(await this.#deliverWithRetry(chunk, payload))) return;
        chunk = [];
      }
      // Nothing pending before this message: everything up to it is done (delivered or skipped).
      if (chunk.length === 0) payload.resolveOffset(message.offset);
      if (chunk.length === 0 && (last || index % size === size - 1)) {
        await payload.commitOffsetsIfNecessary();
      }
    }
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }

  #exportable(value: Buffer | null): ExportableEvent | null {
    const parsed = parseEvent(value);
    // Malformed records are the ingest path's to dead-letter; a sink only skips them.
    if (!parsed.ok || !isExportable(parsed.event)) return null;
    if (this.#types.size > 0 && !this.#types.has(parsed.event.type)) return null;
    return parsed.event;
  }

  /**
   * True once delivered; false if the runner is stopping or lost the partition. Never gives up on
   * a batch: the offsets stay where they are until the sink took every event of it.
   */
  async #deliverWithRetry(
    events: readonly ExportableEvent[],
    payload: EachBatchPayload,
  ): Promise<boolean> {
    const min = this.#options.minBackoffMs ?? 500;
    const max = this.#options.maxBackoffMs ?? 30_000;
    const configMax = this.#options.configErrorMaxBackoffMs ?? 300_000;
    const configMin = Math.min(CONFIG_ERROR_MIN_BACKOFF_MS, configMax);
    let backoff = min;
    let configBackoff = configMin;
    let pending = events;
    for (;;) {
      if (this.#stopped || !payload.isRunning() || payload.isStale()) return false;
      try {
        await this.#options.delivery.deliver(pending);
        this.#options.metrics?.exported(pending.length);
        await this.#options.onSuccess?.(new Date())?.catch(() => undefined);
        return true;
      } catch (error) {
        const failure = error instanceof SinkDeliveryError ? error : null;
        this.#options.metrics?.exported(failure?.delivered ?? 0);
        this.#options.metrics?.failed(failure?.kind ?? 'transient');
        if (failure && failure.delivered > 0) {
          // Resend only what the sink did not take; progress also restarts the backoff.
          pending = pending.slice(failure.delivered);
          backoff = min;
          configBackoff = configMin;
        }
        let waitMs: number;
        let message: string;
        if (failure?.kind === 'configuration') {
          waitMs = configBackoff;
          configBackoff = Math.min(configBackoff * 2, configMax);
          message =
            `${CONFIGURATION_ERROR_PREFIX}${failure.message}. The destination refuses the events ` +
            `as sent: fix the sink's settings or the destination; retrying in ` +
            `${Math.round(waitMs / 1000)} s, no event is skipped`;
          this.#logger?.warn({ reason: message, retryInMs: waitMs }, 'SIEM sink misconfigured');
        } else {
          const retryAfterMs = (failure?.retryAfterSeconds ?? 0) * 1000;
          waitMs = Math.max(backoff, retryAfterMs);
          backoff = Math.min(backoff * 2, max);
          message = failure ? failure.message : 'sink delivery failed unexpectedly';
          if (failure) {
            this.#logger?.warn({ reason: message, retryInMs: waitMs }, 'SIEM sink delivery failed');
          } else {
            this.#logger?.error({ err: error }, 'unexpected SIEM sink error');
          }
        }
        await this.#options.onError?.(message, new Date())?.catch(() => undefined);
        await this.#sleep(waitMs, payload);
      }
    }
  }

  /** Sleeps in slices, heartbeating so the group does not hand the partitions away. */
  async #sleep(ms: number, payload: EachBatchPayload): Promise<void> {
    const until = Date.now() + ms;
    while (!this.#stopped && Date.now() < until) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#wakeSleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(2000, until - Date.now()));
        this.#wakeSleepers.add(done);
      });
      if (this.#stopped) return;
      // Throws during a rebalance: kafkajs then rejoins and redelivers from the last commit.
      await payload.heartbeat();
    }
  }
}
