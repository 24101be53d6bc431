import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventPublisher } from './event-publisher.js';
import { recordRejection } from './record-rejection.js';
import { RememberingPartitioner } from './remembering-partitioner.js';
import { SpoolFile } from './spool-file.js';
import type { SpoolRecord } from './spool-record.js';

export interface EventProducerOptions {
  kafka: Kafka;
  /** Folder for the spool file; created if missing. */
  spoolDir: string;
  /** Names the spool file: one producer per name and spoolDir at a time. */
  name: string;
  logger?: Logger;
  /** Records per sendBatch (default 500). */
  batchSize?: number;
  /** Bytes per sendBatch, roughly (default 512 KiB; brokers refuse requests past 1 MiB). */
  maxBatchBytes?: number;
  /** How long a partial batch waits for more records before it is sent (default 5 ms). */
  lingerMs?: number;
  /** Records held in memory; past this, events go to the spool file (default 10 000). */
  maxQueue?: number;
  /** Longest pause between attempts to reach a broker that is down (default 5 000 ms). */
  maxBackoffMs?: number;
  /** How long stop() may spend delivering what is still queued (default 5 000 ms). */
  stopTimeoutMs?: number;
}

type Phase = 'new' | 'running' | 'stopping' | 'stopped';
/** 'publish': any signal wakes the sleeper; 'control': only flush() and stop() do. */
type WakeReason = 'publish' | 'control';
interface Wake {
  wakeOn: WakeReason;
  done: () => void;
}

const MIN_BACKOFF_MS = 250;
/** Defaults EventProducerThread needs too (it holds records itself while no worker is alive). */
export const DEFAULT_MAX_QUEUE = 10_000;
export const DEFAULT_STOP_TIMEOUT_MS = 5000;

/**
 * Publishes events to Kafka without ever making the caller wait for Kafka.
 *
 * publish() only queues. One background loop sends the queue in batches through an idempotent
 * producer (acks from all in-sync replicas). If a send fails, that batch and everything queued
 * behind it go to an append-only spool file, and so does every event published while the spool
 * holds anything, so the order is kept; the loop replays the spool in order once Kafka answers
 * and clears it only after Kafka acknowledged it. What is still in the spool at a crash is sent
 * at the next start (at least once: consumers dedupe on the event id).
 */
export class EventProducer implements EventPublisher {
  readonly #kafka: Kafka;
  readonly #logger: Logger | undefined;
  readonly #spool: SpoolFile;
  readonly #batchSize: number;
  readonly #maxBatchBytes: number;
  readonly #lingerMs: number;
  readonly #maxQueue: number;
  readonly #maxBackoffMs: number;
  readonly #stopTimeoutMs: number;

  #phase: Phase = 'new';
  #producer: Producer | undefined;
  /** Published, not yet sent, in publish order; all of it comes after #inFlight. */
  #queue: SpoolRecord[] = [];
  /** The batch being sent from memory. */
  #inFlight: SpoolRecord[] | undefined;
  /** Set when #inFlight was also written to the spool (queue overflow during the send). */
  #inFlightSpoolEnd: number | undefined;
  #backoffMs = MIN_BACKOFF_MS;
  #flushRequests = 0;
  #wake: Wake | undefined;
  #loop: Promise<void> | undefined;
  #progressWaiters = new Set<() => void>();

  constructor(options: EventProducerOptions) {
    this.#kafka = options.kafka;
    this.#logger = options.logger?.child({ producer: options.name });
    this.#spool = new SpoolFile(options.spoolDir, options.name);
    this.#batchSize = positive(options.batchSize ?? 500, 'batchSize');
    this.#maxBatchBytes = positive(options.maxBatchBytes ?? 512 * 1024, 'maxBatchBytes');
    this.#lingerMs = Math.max(0, options.lingerMs ?? 5);
    this.#maxQueue = positive(options.maxQueue ?? DEFAULT_MAX_QUEUE, 'maxQueue');
    this.#maxBackoffMs = Math.max(MIN_BACKOFF_MS, options.maxBackoffMs ?? 5000);
    this.#stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
  }

  /** Events in memory, waiting for or in a send. */
  get queueDepth(): number {
    const inFlight = this.#inFlight && this.#inFlightSpoolEnd === undefined ? this.#inFlight : [];
    return this.#queue.length + inFlight.length;
  }

  /** Events in the spool file, waiting for Kafka. */
  get spoolDepth(): number {
    return this.#spool.depth;
  }

  /** Where this producer spools. */
  get spoolPath(): string {
    return this.#spool.path;
  }

  /**
   * Opens the spool (replaying what an earlier run left in it) and starts sending in the
   * background. Resolves without waiting for Kafka; throws only if the spool cannot be opened.
   */
  async start(): Promise<void> {
    if (this.#phase !== 'new') {
      if (this.#phase === 'running') return;
      throw new Error('EventProducer cannot be restarted after stop()');
    }
    this.#spool.open();
    if (this.#spool.depth > 0) {
      this.#logger?.info(
        { spool: this.#spool.path, records: this.#spool.depth },
        'replaying events spooled by an earlier run',
      );
    }
    this.#phase = 'running';
    this.#loop = this.#run().catch((error: unknown) => {
      this.#logger?.error({ err: error }, 'event producer loop failed');
    });
  }

  /**
   * Queues one event. Never waits and never throws because of Kafka. The value is sent as JSON
   * with header `event-id` set to value.id.
   */
  publish(topic: string, key: string, value: object & { id: string }): void {
    if (this.#phase === 'new') throw new Error('EventProducer.publish() before start()');
    this.publishRecord(toSpoolRecord(topic, key, value));
  }

  /** Queues an event serialised already (by toSpoolRecord, in the thread that published it). */
  publishRecord(record: SpoolRecord): void {
    if (this.#phase === 'new') throw new Error('EventProducer.publishRecord() before start()');
    if (this.#phase === 'stopped') {
      this.#appendAfterStop(record);
      return;
    }
    if (this.#spool.depth > 0) {
      // Older events are waiting in the spool: this one must queue behind them.
      this.#appendToSpool([record]);
      return;
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#spillToSpool(record);
      return;
    }
    this.#queue.push(record);
    // Wake the idle loop for the first event, and cut the linger short for a full batch.
    if (this.#queue.length === 1 || this.#queue.length >= this.#batchSize) this.#signal('publish');
  }

  /**
   * Resolves once everything published so far is acknowledged by Kafka, or when timeoutMs has
   * passed (then queueDepth / spoolDepth tell what is left).
   */
  async flush(timeoutMs = 30_000): Promise<void> {
    if (this.#phase !== 'running' && this.#phase !== 'stopping') return;
    this.#flushRequests += 1;
    this.#signal('control');
    const deadline = Date.now() + timeoutMs;
    try {
      while (!this.#drained() && Date.now() < deadline) {
        await this.#waitForProgress(deadline - Date.now());
      }
    } finally {
      this.#flushRequests -= 1;
    }
  }

  /**
   * Delivers what it can within stopTimeoutMs, writes the rest to the spool, disconnects.
   * Events published after stop() go straight to the spool file, for the next run.
   */
  async stop(): Promise<void> {
    if (this.#phase === 'new') {
      this.#phase = 'stopped';
      return;
    }
    if (this.#phase !== 'running') return;
    if (this.#producer) await this.flush(this.#stopTimeoutMs);
    this.#phase = 'stopping';
    this.#signal('control');
    const loopEnded = await settlesWithin(this.#loop, this.#stopTimeoutMs);
    if (!loopEnded && this.#inFlight && this.#inFlightSpoolEnd === undefined) {
      // The send hangs: keep a copy in the spool. If it still succeeds, the next run resends it.
      this.#appendToSpool(this.#inFlight);
      this.#inFlightSpoolEnd = this.#spool.endOffset;
    }
    this.#spillQueue();
    this.#phase = 'stopped';
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch(() => undefined);
    if (this.#spool.depth > 0) {
      this.#logger?.warn(
        { spool: this.#spool.path, records: this.#spool.depth },
        'stopped with undelivered events in the spool; the next start sends them',
      );
    }
    this.#spool.close();
    this.#notifyProgress();
  }

  async #run(): Promise<void> {
    while (this.#phase === 'running') {
      if (this.#spool.depth > 0) {
        await this.#replaySpool();
      } else if (this.#queue.length > 0) {
        await this.#sendQueue();
      } else {
        this.#notifyProgress();
        await this.#sleep(undefined, 'publish');
      }
    }
  }

  async #sendQueue(): Promise<void> {
    const producer = await this.#connect();
    if (!producer) {
      // Kafka is unreachable: what waits in memory goes to disk, in order.
      this.#spillQueue();
      await this.#backoff();
      return;
    }
    if (this.#queue.length < this.#batchSize && this.#flushRequests === 0 && this.#lingerMs > 0) {
      await this.#sleep(this.#lingerMs, 'publish');
    }
    // While connecting or lingering, an overflow may have moved the queue to the spool.
    if (this.#spool.depth > 0 || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#nextBatchLength());
    this.#inFlight = batch;
    this.#inFlightSpoolEnd = undefined;
    const progress = { done: 0 };
    let failure: unknown;
    try {
      await this.#deliver(producer, batch, progress);
    } catch (error) {
      failure = error ?? new Error('sendBatch failed');
    }
    // Set when an overflow (or a stop() that gave up waiting) copied the batch to the spool.
    const spooledUpTo = this.#inFlightSpoolEnd;
    this.#inFlight = undefined;
    this.#inFlightSpoolEnd = undefined;
    if (failure === undefined) {
      this.#backoffMs = MIN_BACKOFF_MS;
      // Kafka has the copy that heads the spool; a closed spool means the next run resends it.
      if (spooledUpTo !== undefined && this.#spool.isOpen) {
        this.#spool.ack(spooledUpTo, batch.length);
      }
      this.#notifyProgress();
      return;
    }
    if (spooledUpTo === undefined) {
      this.#appendToSpool(batch.slice(progress.done));
      this.#spillQueue();
    }
    this.#logger?.warn(
      { err: failure, spool: this.#spool.path, records: this.#spool.depth },
      'Kafka send failed; spooling events until it is back',
    );
    this.#notifyProgress();
    await this.#dropProducer();
    await this.#backoff();
  }

  async #replaySpool(): Promise<void> {
    const producer = await this.#connect();
    if (!producer) {
      await this.#backoff();
      return;
    }
    const batch = this.#spool.readBatch(this.#batchSize, this.#maxBatchBytes);
    if (batch.lines === 0) {
      // The count says records remain, the file holds none: someone truncated it underneath us.
      this.#logger?.error({ spool: this.#spool.path }, 'spool file shrank unexpectedly; resetting');
      this.#spool.reset();
      return;
    }
    if (batch.invalidLines > 0) {
      this.#logger?.error(
        { spool: this.#spool.path, lines: batch.invalidLines },
        'skipping unreadable spool lines (torn by a crash?)',
      );
    }
    try {
      // A failure after part of the batch went out resends that part too (at least once).
      await this.#deliver(producer, batch.records, { done: 0 });
      this.#backoffMs = MIN_BACKOFF_MS;
      // stop() gave up on this send and closed the spool: the next run sends these again.
      if (!this.#spool.isOpen) return;
      this.#spool.ack(batch.end, batch.lines);
      if (this.#spool.depth === 0) this.#logger?.info('spool drained; Kafka has every event');
    } catch (error) {
      this.#logger?.warn(
        { err: error, records: this.#spool.depth },
        'replaying the spool failed; retrying',
      );
      await this.#dropProducer();
      await this.#backoff();
    } finally {
      this.#notifyProgress();
    }
  }

  /**
   * Sends records in order. When Kafka refuses records for what they are (too large, ...), the
   * batch is halved until the refused ones are isolated; those go to the rejected file instead of
   * blocking everything behind them. Anything else (Kafka unavailable) is thrown.
   */
  async #deliver(
    producer: Producer,
    records: readonly SpoolRecord[],
    progress: { done: number },
  ): Promise<void> {
    if (records.length === 0) return;
    try {
      await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(records) });
    } catch (error) {
      const reason = recordRejection(error);
      if (!reason) throw error;
      if (records.length > 1) {
        const half = Math.ceil(records.length / 2);
        await this.#deliver(producer, records.slice(0, half), progress);
        await this.#deliver(producer, records.slice(half), progress);
        return;
      }
      this.#reject(records, reason);
    }
    progress.done += records.length;
  }

  #reject(records: readonly SpoolRecord[], reason: string): void {
    const [record] = records;
    // Never the event itself in the log: it may carry personal data.
    this.#logger?.error(
      { reason, topic: record?.topic, eventId: record?.id, file: this.#spool.rejectedPath },
      'Kafka refused an event; set aside in the rejected file',
    );
    try {
      this.#spool.appendRejected(records, reason);
    } catch (error) {
      this.#logger?.error({ err: error, eventId: record?.id }, 'cannot write the rejected file');
    }
  }

  /** How many queued records the next batch takes: up to batchSize and about maxBatchBytes. */
  #nextBatchLength(): number {
    let length = 0;
    let bytes = 0;
    for (const record of this.#queue) {
      if (length >= this.#batchSize) break;
      bytes += record.value.length + record.key.length + record.topic.length + 64;
      if (length > 0 && bytes > this.#maxBatchBytes) break;
      length += 1;
    }
    return length;
  }

  async #connect(): Promise<Producer | undefined> {
    if (this.#producer) return this.#producer;
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: RememberingPartitioner,
      // Few, short retries: while Kafka is down the spool takes over, so failing fast is cheap.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      this.#logger?.debug({ err: error }, 'Kafka unreachable');
      return undefined;
    }
    if (this.#phase === 'stopped') {
      // stop() gave up waiting for this connect and has finished without us.
      await producer.disconnect().catch(() => undefined);
      return undefined;
    }
    this.#producer = producer;
    return producer;
  }

  // After a failure start over with a new producer id: the failed batch goes out again as part of
  // differently sized batches, which the old id's sequence numbers would reject.
  async #dropProducer(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  #spillToSpool(record: SpoolRecord): void {
    if (this.#inFlight && this.#inFlightSpoolEnd === undefined) {
      // The batch in flight precedes the queue. If its send succeeds, it is acknowledged in the
      // spool; if it fails, it is already in the right place.
      this.#appendToSpool(this.#inFlight);
      this.#inFlightSpoolEnd = this.#spool.endOffset;
    }
    this.#spillQueue();
    this.#appendToSpool([record]);
    this.#logger?.warn(
      { spool: this.#spool.path, maxQueue: this.#maxQueue },
      'event queue full; spooling to disk',
    );
  }

  #spillQueue(): void {
    if (this.#queue.length === 0) return;
    const queued = this.#queue;
    this.#queue = [];
    this.#appendToSpool(queued);
  }

  #appendToSpool(records: readonly SpoolRecord[]): void {
    try {
      this.#spool.append(records);
    } catch (error) {
      // Disk full or gone: the one case where events are lost. Say so loudly.
      this.#logger?.error(
        { err: error, spool: this.#spool.path, lost: records.length },
        'cannot write the event spool; events lost',
      );
    }
  }

  #appendAfterStop(record: SpoolRecord): void {
    try {
      this.#spool.appendOnce([record]);
    } catch (error) {
      this.#logger?.error(
        { err: error, spool: this.#spool.path },
        'event published after stop() could not be spooled; lost',
      );
    }
  }

  #drained(): boolean {
    return this.#queue.length === 0 && this.#inFlight === undefined && this.#spool.depth === 0;
  }

  async #backoff(): Promise<void> {
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#maxBackoffMs);
    // New events do not cut a backoff short (they go to the spool); flush() and stop() do.
    await this.#sleep(delay, 'control');
  }

  /** Sleeps until ms pass (forever if undefined) or a matching #signal() arrives. */
  #sleep(ms: number | undefined, wakeOn: WakeReason = 'publish'): Promise<void> {
    return new Promise((resolve) => {
      const wake: Wake = {
        wakeOn,
        done: () => {
          clearTimeout(timer);
          if (this.#wake === wake) this.#wake = undefined;
          resolve();
        },
      };
      const timer = ms === undefined ? undefined : setTimeout(wake.done, ms);
      this.#wake = wake;
    });
  }

  #signal(reason: WakeReason): void {
    const wake = this.#wake;
    if (!wake) return;
    if (reason === 'control' || wake.wakeOn === 'publish') wake.done();
  }

  #waitForProgress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const waiters = this.#progressWaiters;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  #notifyProgress(): void {
    for (const waiter of [...this.#progressWaiters]) waiter();
  }
}

/** The record publish() queues: the value as JSON, stamped with the publish time. */
export function toSpoolRecord(
  topic: string,
  key: string,
  value: object & { id: string },
): SpoolRecord {
  if (typeof value.id !== 'string' || value.id === '') {
    throw new TypeError('EventProducer.publish(): value.id must be a non-empty string');
  }
  return { topic, key, id: value.id, timestamp: Date.now(), value: JSON.stringify(value) };
}

function toTopicMessages(records: readonly SpoolRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (!messages) {
      messages = [];
      byTopic.set(record.topic, messages);
    }
    messages.push({
      key: record.key,
      value: record.value,
      timestamp: String(record.timestamp),
      headers: { 'event-id': record.id },
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`EventProducer: ${name} must be a positive integer`);
  }
  return value;
}

/** True if the promise settles within ms; the timer does not outlive the answer. */
async function settlesWithin(promise: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!promise) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
