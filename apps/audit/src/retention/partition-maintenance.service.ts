import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { AuditConfig } from '../config.js';
import { AUDIT_DB, type AuditDb } from '../store/audit-db.js';
import { PartitionManager } from '../store/partitions.js';
import { dropExpiredPartitions } from './drop-expired-partitions.js';

export interface MaintenanceResult {
  created: string[];
  dropped: string[];
}

/**
 * Creates the coming days' partitions and drops expired ones, at start-up and then periodically.
 * Every replica runs it; an advisory lock makes the DDL safe when they overlap.
 */
@Injectable()
export class PartitionMaintenance implements OnApplicationBootstrap, OnModuleDestroy {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  readonly #logger: Logger;

  constructor(
    @Inject(AUDIT_DB) private readonly db: AuditDb,
    @Inject(CONFIG) private readonly config: AuditConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly partitions: PartitionManager,
  ) {
    this.#logger = logger.child({ component: 'audit-partitions' });
  }

  onApplicationBootstrap(): void {
    this.#tick();
    // Unref'd: the job never keeps the process alive on its own.
    this.#timer = setInterval(
      () => this.#tick(),
      this.config.AUDIT_MAINTENANCE_INTERVAL_SECONDS * 1000,
    );
    this.#timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async runOnce(now = new Date()): Promise<MaintenanceResult> {
    const created = await this.partitions.ensureAhead(now, this.config.AUDIT_PARTITION_DAYS_AHEAD);
    const dropped = await dropExpiredPartitions(
      this.db,
      this.partitions,
      this.config.AUDIT_RETENTION_DAYS,
      now,
    );
    if (created.length > 0 || dropped.length > 0) {
      this.#logger.info({ created, dropped }, 'audit partitions maintained');
    }
    return { created, dropped };
  }

  #tick(): void {
    if (this.#running) return;
    this.#running = this.runOnce()
      .catch((error: unknown) => this.#logger.error({ err: error }, 'partition maintenance failed'))
      .finally(() => {
        this.#running = undefined;
      });
  }
}
