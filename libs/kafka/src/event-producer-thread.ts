import { Worker } from 'node:worker_threads';
import type { Level, Logger } from 'pino';
import type { CreateKafkaOptions } from './create-kafka.js';
import {
  DEFAULT_MAX_QUEUE,
  DEFAULT_STOP_TIMEOUT_MS,
  toSpoolRecord,
  type EventProducerOptions,
} from './event-producer.js';
import type {
  FromProducerThread,
  ProducerDepths,
  ProducerThreadSetup,
  ToProducerThread,
} from './event-producer-thread-protocol.js';
import type { EventPublisher } from './event-publisher.js';
import { SpoolFile } from './spool-file.js';
import type { SpoolRecord } from './spool-record.js';

export interface EventProducerThreadOptions extends Omit<EventProducerOptions, 'kafka'> {
  /** How the worker connects (a Kafka client cannot be handed to another thread). */
  kafka: Omit<CreateKafkaOptions, 'logger'>;
  /** Pause before a worker that died is replaced (default 1 000 ms). */
  restartDelayMs?: number;
  /**
   * Lowers the worker's thread this much below the thread that starts it, like `nice -n`: 0 (the
   * same priority) to 19 (nice values stop at 19). Linux only, where a nice value belongs to a
   * thread; elsewhere it would renice the whole process, so it is ignored there. Above 0, the event
   * loop wins every contended core: the worker's work (batching, encoding, sending) can wait for a
   * spare core, a request being served cannot.
   */
  niceness?: number;
}

type Phase = 'new' | 'running' | 'stopping' | 'stopped';

/** Tests only (not exported from the package): ends the worker the way a crash would. */
export const crashWorkerForTests = Symbol('crashWorkerForTests');

/** Records handed over in one message at most. */
const RECORDS_PER_MESSAGE = 512;
/**
 * Fewer wait at most this long. Each postMessage costs the publishing thread a structured clone
 * and a wake-up of the worker; at a few thousand events a second, one per event-loop turn would
 * be one for every event or two. The producer lingers for a batch anyway (5 ms or more).
 */
const HAND_OVER_AFTER_MS = 10;

/**
 * A small young generation. The worker's garbage is the records it holds for a linger and a send,
 * then drops; with V8's default for workers (192 MB) the same events cost it about 40 % more CPU
 * (`node tools/bench/event-producer/run.ts`). 8 MB, not 16: in the gateway (3,000 events/s, an
 * 11 MB live heap) V8 set the old generation's limit exactly one young generation above the live
 * heap, which starts incremental marking again as soon as a full GC ends: 16 MB gave 40–50 full
 * GCs per 10 s and twice the GC helper threads' CPU, 8 MB gives 4–5 (tools/bench/gateway/RESULTS.md).
 */
const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8 };

// From the TypeScript sources (the test runner) the worker still runs the compiled file.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts')
    ? '../dist/event-producer-thread-worker.js'
    : './event-producer-thread-worker.js',
  import.meta.url,
);

/**
 * An EventProducer in a worker thread. publish() serialises the event and queues it here; every
 * few milliseconds the queued records go to the worker in one message, where the producer batches,
 * encodes and sends them, spools them while Kafka is away and replays them after, exactly as it
 * does in-process. What the calling thread keeps is JSON.stringify and an array push, so a busy
 * event loop (the gateway's) spends its time on requests, and a send never blocks it.
 *
 * Delivery guarantees are EventProducer's. One more way to lose events: if the worker dies (a bug,
 * out of memory), what it held in memory is gone; this logs it, and a new worker takes over the
 * spool after restartDelayMs.
 */
export class EventProducerThread implements EventPublisher {
  // Spool files are locked per thread; this keeps two of these in one process off one file.
  static readonly #spoolsInUse = new Set<string>();

  readonly #setup: ProducerThreadSetup;
  readonly #logger: Logger | undefined;
  readonly #spool: SpoolFile;
  readonly #maxQueue: number;
  readonly #stopTimeoutMs: number;
  readonly #restartDelayMs: number;

  #phase: Phase = 'new';
  #worker: Worker | undefined;
  /** Published here, not yet handed to the worker. */
  #pending: SpoolRecord[] = [];
  #handOverTimer: NodeJS.Timeout | undefined;
  /** The worker's producer, as last reported. */
  #depths: ProducerDepths = { queueDepth: 0, spoolDepth: 0 };
  /** Spooled by this thread while no worker was alive; the next worker counts them itself. */
  #spooledWithoutWorker = 0;
  #requests = new Map<number, () => void>();
  #nextRequest = 1;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: EventProducerThreadOptions) {
    const { kafka, logger, restartDelayMs, niceness, ...producer } = options;
    if (
      niceness !== undefined &&
      !(Number.isInteger(niceness) && niceness >= 0 && niceness <= 19)
    ) {
      throw new RangeError(`niceness must be an integer from 0 to 19, not ${niceness}`);
    }
    this.#logger = logger;
    this.#spool = new SpoolFile(options.spoolDir, options.name);
    this.#maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.#stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    this.#restartDelayMs = Math.max(0, restartDelayMs ?? 1000);
    this.#setup = {
      kafka: { brokers: kafka.brokers, clientId: kafka.clientId, logLevel: kafka.logLevel },
      producer,
      logLevel: logger?.level,
      niceness,
    };
  }

  get queueDepth(): number {
    return this.#pending.length + this.#depths.queueDepth;
  }

  get spoolDepth(): number {
    return this.#depths.spoolDepth + this.#spooledWithoutWorker;
  }

  get spoolPath(): string {
    return this.#spool.path;
  }

  /** Starts the worker; resolves once its spool is open (it does not wait for Kafka). */
  async start(): Promise<void> {
    if (this.#phase !== 'new') {
      if (this.#phase === 'running') return;
      throw new Error('EventProducerThread cannot be restarted after stop()');
    }
    if (EventProducerThread.#spoolsInUse.has(this.#spool.path)) {
      throw new Error(`Spool ${this.#spool.path} is already open in this process`);
    }
    EventProducerThread.#spoolsInUse.add(this.#spool.path);
    try {
      await this.#spawn();
    } catch (error) {
      EventProducerThread.#spoolsInUse.delete(this.#spool.path);
      throw error;
    }
    this.#phase = 'running';
  }

  publish(topic: string, key: string, value: object & { id: string }): void {
    if (this.#phase === 'new') throw new Error('EventProducerThread.publish() before start()');
    const record = toSpoolRecord(topic, key, value);
    if (this.#phase === 'stopped') {
      this.#appendToSpool([record]);
      return;
    }
    this.#pending.push(record);
    // While stopping, stop() spools what is left once the worker is done.
    if (this.#phase === 'stopping') return;
    if (!this.#worker) {
      if (this.#pending.length >= this.#maxQueue) this.#spillPending();
      return;
    }
    if (this.#pending.length >= RECORDS_PER_MESSAGE) {
      this.#handOver();
    } else if (!this.#handOverTimer) {
      this.#handOverTimer = setTimeout(this.#handOverWhenDue, HAND_OVER_AFTER_MS);
    }
  }

  async flush(timeoutMs = 30_000): Promise<void> {
    if (this.#phase !== 'running') return;
    this.#handOver();
    const worker = this.#worker;
    if (!worker) return;
    await this.#request(worker, (request) => ({ type: 'flush', request, timeoutMs }), timeoutMs);
  }

  stop(): Promise<void> {
    if (this.#phase === 'new') {
      this.#phase = 'stopped';
      return Promise.resolve();
    }
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#handOver();
    this.#phase = 'stopping';
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (worker) {
      // The worker's producer may take stopTimeoutMs to flush and as long again for a hung send.
      await this.#request(
        worker,
        (request) => ({ type: 'stop', request }),
        2 * this.#stopTimeoutMs,
      );
      this.#worker = undefined;
      await worker.terminate();
    }
    this.#phase = 'stopped';
    if (this.#pending.length > 0) this.#spillPending();
    EventProducerThread.#spoolsInUse.delete(this.#spool.path);
  }

  async [crashWorkerForTests](): Promise<void> {
    await this.#worker?.terminate();
  }

  readonly #handOverWhenDue = (): void => {
    this.#handOverTimer = undefined;
    this.#handOver();
  };

  #handOver(): void {
    clearTimeout(this.#handOverTimer);
    this.#handOverTimer = undefined;
    const worker = this.#worker;
    if (!worker || this.#pending.length === 0) return;
    const records = this.#pending;
    this.#pending = [];
    worker.postMessage({ type: 'records', records } satisfies ToProducerThread);
  }

  /** Starts a worker; resolves when its producer has started, rejects if it cannot. */
  #spawn(): Promise<void> {
    const worker = new Worker(WORKER_URL, {
      workerData: this.#setup,
      name: 'event-producer',
      resourceLimits: WORKER_RESOURCE_LIMITS,
    });
    this.#worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromProducerThread) => {
        switch (message.type) {
          case 'started':
            started = true;
            this.#spooledWithoutWorker = 0;
            this.#takeDepths(message);
            resolve();
            break;
          case 'start-failed':
            reject(new Error(message.message));
            break;
          case 'depths':
            this.#takeDepths(message);
            break;
          case 'done':
            this.#takeDepths(message);
            this.#requests.get(message.request)?.();
            break;
          case 'log':
            this.#relog(message.line);
        }
      });
      worker.on('error', (error) => {
        this.#logger?.error({ err: error }, 'event producer thread failed');
      });
      worker.on('exit', (code) => {
        if (!started) reject(new Error(`event producer thread exited with code ${code}`));
        this.#onExit(worker, started);
      });
      // Anything published while the worker was away goes first; the worker holds it until started.
      this.#handOver();
    });
  }

  #takeDepths({ queueDepth, spoolDepth }: ProducerDepths): void {
    this.#depths = { queueDepth, spoolDepth };
  }

  #onExit(worker: Worker, started: boolean): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    for (const done of [...this.#requests.values()]) done();
    if (this.#phase !== 'running' || !started) return;
    this.#depths = { queueDepth: 0, spoolDepth: 0 };
    this.#logger?.error(
      { spool: this.#spool.path, restartInMs: this.#restartDelayMs },
      'event producer thread exited; events it held in memory are lost; starting a new one',
    );
    this.#restartTimer = setTimeout(() => void this.#restart(), this.#restartDelayMs);
  }

  async #restart(): Promise<void> {
    this.#restartTimer = undefined;
    if (this.#phase !== 'running') return;
    try {
      await this.#spawn();
      this.#logger?.info({ spool: this.#spool.path }, 'event producer thread restarted');
    } catch (error) {
      // #onExit schedules the next attempt only for a worker that had started.
      this.#logger?.error({ err: error }, 'event producer thread cannot start; retrying');
      if (this.#phase === 'running' && !this.#worker) {
        this.#restartTimer = setTimeout(() => void this.#restart(), this.#restartDelayMs);
      }
    }
  }

  #request(
    worker: Worker,
    message: (request: number) => ToProducerThread,
    waitMs: number,
  ): Promise<void> {
    const request = this.#nextRequest++;
    return new Promise((resolve) => {
      // A margin for the answer to come back; a worker that never answers does not hang us.
      const timer = setTimeout(done, waitMs + 2000);
      const requests = this.#requests;
      function done(): void {
        clearTimeout(timer);
        requests.delete(request);
        resolve();
      }
      requests.set(request, done);
      worker.postMessage(message(request));
    });
  }

  /** Only while no worker owns the spool (stopped, or between a crash and the restart). */
  #spillPending(): void {
    const records = this.#pending;
    this.#pending = [];
    if (this.#appendToSpool(records) && this.#phase !== 'stopped') {
      this.#spooledWithoutWorker += records.length;
    }
  }

  #appendToSpool(records: readonly SpoolRecord[]): boolean {
    try {
      this.#spool.appendOnce(records);
      return true;
    } catch (error) {
      this.#logger?.error(
        { err: error, spool: this.#spool.path, lost: records.length },
        'cannot write the event spool; events lost',
      );
      return false;
    }
  }

  /** A worker's log line, through this thread's logger (its format, redaction and output). */
  #relog(line: string): void {
    const logger = this.#logger;
    if (!logger) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, ...fields } = entry;
    const label = typeof level === 'number' ? logger.levels.labels[level] : undefined;
    const method: Level = isLevel(label) ? label : 'info';
    logger[method](fields, typeof msg === 'string' ? msg : undefined);
  }
}

const LEVELS: ReadonlySet<string> = new Set<Level>([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
]);

function isLevel(label: string | undefined): label is Level {
  return label !== undefined && LEVELS.has(label);
}
