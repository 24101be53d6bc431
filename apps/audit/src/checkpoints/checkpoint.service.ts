import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  auditCheckpointEventSchema,
  buildEvent,
  TOPICS,
  type AuditCheckpointEvent,
} from '@portcullis/contracts';
import type { EventPublisher } from '@portcullis/kafka';
import { CONFIG, EVENT_PRODUCER, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { AUDIT_DB, type AuditDb } from '../store/audit-db.js';
import { addDays, utcDay } from '../store/utc-day.js';
import type { CheckpointConfig } from './checkpoint-env.js';
import { CheckpointSigner } from './checkpoint-signer.js';

export const CHECKPOINT_SIGNER = Symbol('CHECKPOINT_SIGNER');

const DAY_CHAIN = /^\d{4}-\d{2}-\d{2}$/;

export interface CheckpointRequest {
  /** One chain (a UTC day); otherwise every chain of the last `days` days. */
  chain?: string;
  days?: number;
  /** Skip chains whose tip has not moved since this replica last checkpointed them. */
  onlyChanged?: boolean;
}

/**
 * Signs the tip of each hash chain (chain, length, head hash, time) and publishes it outside the
 * database: on `portcullis.audit-checkpoints.v1`, which the SIEM sinks export too. Runs every
 * AUDIT_CHECKPOINT_INTERVAL_SECONDS for chains that moved, and on demand through the API.
 * Replicas each run the timer; a checkpoint published twice says the same thing twice.
 */
@Injectable()
export class CheckpointService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly #logger: Logger;
  readonly #published = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    @Inject(AUDIT_DB) private readonly db: AuditDb,
    @Inject(EVENT_PRODUCER) private readonly producer: EventPublisher,
    @Inject(CONFIG) private readonly config: CheckpointConfig,
    @Inject(CHECKPOINT_SIGNER) private readonly signer: CheckpointSigner,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.#logger = logger.child({ component: 'audit-checkpoints' });
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.AUDIT_CHECKPOINT_INTERVAL_SECONDS;
    if (seconds === 0) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.publish({ days: this.config.AUDIT_CHECKPOINT_DAYS, onlyChanged: true })
        .catch((error: unknown) => {
          this.#logger.warn({ err: error }, 'chain checkpoint failed; next interval retries');
        })
        .finally(() => {
          this.#running = undefined;
        });
    }, seconds * 1000);
    this.#timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** Signs and publishes checkpoints; returns the events published. */
  async publish(request: CheckpointRequest, now = new Date()): Promise<AuditCheckpointEvent[]> {
    const since = addDays(utcDay(now), -((request.days ?? this.config.AUDIT_CHECKPOINT_DAYS) - 1));
    const { rows } = await this.db.query<{
      chain: string;
      length: string;
      last_hash: string;
      last_event_id: string;
    }>(
      request.chain === undefined
        ? `SELECT chain, length::text, last_hash, last_event_id FROM audit.audit_chains
            WHERE chain >= $1 AND length > 0 ORDER BY chain`
        : `SELECT chain, length::text, last_hash, last_event_id FROM audit.audit_chains
            WHERE chain = $1 AND length > 0`,
      [request.chain ?? since],
    );
    const events: AuditCheckpointEvent[] = [];
    for (const row of rows) {
      if (!DAY_CHAIN.test(row.chain)) continue;
      const state = `${row.length}:${row.last_hash}`;
      if (request.onlyChanged && this.#published.get(row.chain) === state) continue;
      const checkpoint = this.signer.sign({
        chain: row.chain,
        seq: Number(row.length),
        headHash: row.last_hash,
        headEventId: row.last_event_id,
        checkpointedAt: now.toISOString(),
      });
      const event = buildEvent(auditCheckpointEventSchema, {
        source: 'audit',
        time: now,
        data: checkpoint,
      });
      // The producer spools to disk while Kafka is away: a checkpoint is never dropped.
      this.producer.publish(TOPICS.auditCheckpoints, row.chain, event);
      this.#published.set(row.chain, state);
      events.push(event);
    }
    if (events.length > 0) {
      this.#logger.info({ chains: events.map((event) => event.data.chain) }, 'chains checkpointed');
    }
    return events;
  }
}
