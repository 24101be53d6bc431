import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { parseEvent, TOPICS } from '@portcullis/contracts';
import { runConsumer, type RunningConsumer } from '@portcullis/kafka';
import { CONFIG, KAFKA, LOGGER } from '@portcullis/nest-service';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import { fetchSnapshot } from './snapshot-client.js';
import { SnapshotStore } from './snapshot-store.js';

const RETRY_MS = 1_000;

/**
 * Keeps the SnapshotStore current: the whole snapshot at start (and periodically, as a safety
 * net), then config-change events from Kafka. Revocations apply on arrival; anything else, or a
 * version gap, triggers a re-read of the snapshot.
 */
@Injectable()
export class ConfigSync implements OnApplicationBootstrap, OnApplicationShutdown {
  #consumer: RunningConsumer | undefined;
  #consumerReady = false;
  #stopped = false;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #timers = new Set<NodeJS.Timeout>();
  #lastError: string | null = null;

  constructor(
    readonly store: SnapshotStore,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get consumerReady(): boolean {
    return this.#consumerReady;
  }
  get lastError(): string | null {
    return this.#lastError;
  }

  onApplicationBootstrap(): void {
    // Neither waits: the gateway answers 503 until the snapshot is in, and works without Kafka.
    void this.#startConsumer();
    void this.refresh();
    const interval = setInterval(
      () => void this.refresh(),
      this.config.GATEWAY_SNAPSHOT_REFRESH_SECONDS * 1000,
    );
    interval.unref();
    this.#timers.add(interval);
  }

  async onApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    await this.#consumer?.stop().catch(() => undefined);
  }

  /** Re-reads the snapshot; concurrent calls coalesce into at most one more read. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = this.#refreshLoop().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshLoop(): Promise<void> {
    do {
      this.#refreshAgain = false;
      try {
        const snapshot = await fetchSnapshot(
          this.config.IDENTITY_URL,
          this.config.GATEWAY_SERVICE_TOKEN,
        );
        this.store.replace(snapshot);
        this.#lastError = null;
        this.logger.debug({ configVersion: snapshot.configVersion }, 'snapshot loaded');
      } catch (error) {
        this.#lastError = error instanceof Error ? error.message : String(error);
        this.logger.warn({ err: this.#lastError }, 'cannot load the gateway snapshot; retrying');
        if (this.#stopped) return;
        this.#retryLater(() => void this.refresh());
        return;
      }
    } while (this.#refreshAgain && !this.#stopped);
  }

  async #startConsumer(): Promise<void> {
    if (this.#stopped) return;
    try {
      this.#consumer = await runConsumer({
        kafka: this.kafka,
        // One group per instance: every gateway must see every change.
        groupId: this.config.GATEWAY_ID,
        topics: [TOPICS.configChanges],
        fromBeginning: false,
        logger: this.logger,
        eachBatch: async ({ batch }) => {
          let needsRefresh = false;
          for (const message of batch.messages) {
            const parsed = parseEvent(message.value);
            if (!parsed.ok || parsed.event.type !== 'identity.config_change') continue;
            if (this.store.apply(parsed.event.data)) needsRefresh = true;
          }
          if (needsRefresh) void this.refresh();
        },
      });
      this.#consumerReady = true;
      // Changes made between the first snapshot and joining the group are caught here.
      void this.refresh();
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot follow config changes yet; retrying');
      this.#retryLater(() => void this.#startConsumer(), 5 * RETRY_MS);
    }
  }

  #retryLater(action: () => void, ms = RETRY_MS): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) action();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}
