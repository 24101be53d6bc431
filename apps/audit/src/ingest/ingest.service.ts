import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { runConsumer, type RunningConsumer } from '@portcullis/kafka';
import { CONFIG, KAFKA, LOGGER, type ReadinessCheck } from '@portcullis/nest-service';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { AuditConfig } from '../config.js';
import { EventWriter } from '../store/event-writer.js';
import { BatchIngestor, type IngestCounters } from './batch-ingestor.js';
import { IngestMetrics } from './ingest-metrics.js';
import { DeadLetterPublisher } from './dead-letter.js';

export type IngestState = 'disabled' | 'starting' | 'running' | 'stopped';

const START_RETRY_MS = 2_000;

/**
 * The audit store's Kafka consumer. Each batch (one partition) is validated, stored in one
 * transaction and dead-lettered where invalid before its offsets are committed; a failure leaves
 * the offsets where they were, so the batch comes again (at least once, stored once).
 */
@Injectable()
export class IngestService implements OnApplicationBootstrap, OnModuleDestroy {
  #state: IngestState;
  #consumers: RunningConsumer[] = [];
  #starting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #deadLetter: DeadLetterPublisher;
  readonly #logger: Logger;
  readonly #ingestor: BatchIngestor;

  constructor(
    @Inject(CONFIG) private readonly config: AuditConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) logger: Logger,
    writer: EventWriter,
  ) {
    this.#logger = logger.child({ component: 'audit-ingest' });
    this.#state = config.AUDIT_INGEST_ENABLED ? 'starting' : 'disabled';
    this.#deadLetter = new DeadLetterPublisher(
      kafka,
      config.AUDIT_DEAD_LETTER_TOPIC,
      config.AUDIT_CONSUMER_GROUP,
    );
    this.#ingestor = new BatchIngestor(writer, this.#deadLetter, this.#logger, new IngestMetrics());
  }

  get counters(): IngestCounters {
    return this.#ingestor.counters;
  }

  get state(): IngestState {
    return this.#state;
  }

  /** Starts in the background: the API serves (and readiness says why) while Kafka is away. */
  onApplicationBootstrap(): void {
    if (this.#state === 'starting') this.#starting = this.#start();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.#state === 'disabled') return;
    this.#state = 'stopped';
    clearTimeout(this.#retryTimer);
    await this.#starting;
    await stopAll(this.#consumers);
    await this.#deadLetter.stop().catch(() => undefined);
  }

  readinessCheck(): ReadinessCheck {
    return {
      name: 'ingest',
      check: async () => {
        if (this.#state === 'running' || this.#state === 'disabled') return;
        throw new Error(`consumer is ${this.#state}`);
      },
    };
  }

  async #start(): Promise<void> {
    try {
      await this.#deadLetter.start();
      // Members of one group in this process share the partitions as replicas do (see
      // AUDIT_INGEST_MEMBERS); the writer and the counters are shared.
      for (let member = 0; member < this.config.AUDIT_INGEST_MEMBERS; member++) {
        if (this.#state === 'stopped') break;
        this.#consumers.push(
          await runConsumer({
            kafka: this.kafka,
            groupId: this.config.AUDIT_CONSUMER_GROUP,
            topics: this.config.AUDIT_INGEST_TOPICS,
            // A new group reads what Kafka still retains: nothing produced before start-up is skipped.
            fromBeginning: true,
            eachBatch: (payload) => this.#ingestor.handleBatch(payload),
            partitionsConsumedConcurrently: this.config.AUDIT_INGEST_CONCURRENCY,
            maxBytesPerPartition: this.config.AUDIT_INGEST_MAX_BATCH_BYTES,
            logger: this.#logger,
          }),
        );
      }
      if (this.#state === 'stopped') {
        await stopAll(this.#consumers);
        return;
      }
      this.#state = 'running';
      this.#logger.info(
        {
          groupId: this.config.AUDIT_CONSUMER_GROUP,
          topics: this.config.AUDIT_INGEST_TOPICS,
          members: this.#consumers.length,
        },
        'audit ingest running',
      );
    } catch (error) {
      // Members that did start leave the group before the whole start is tried again.
      await stopAll(this.#consumers).catch(() => undefined);
      if (this.#state === 'stopped') return;
      this.#logger.warn({ err: error }, 'audit ingest could not start; retrying');
      this.#retryTimer = setTimeout(() => {
        this.#starting = this.#start();
      }, START_RETRY_MS);
      this.#retryTimer.unref();
    }
  }
}

/** Stops every member (each leaves the group after its running batch) and forgets them. */
async function stopAll(consumers: RunningConsumer[]): Promise<void> {
  const stopping = consumers.splice(0);
  await Promise.all(stopping.map((consumer) => consumer.stop()));
}
