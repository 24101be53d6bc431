import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG } from '@portcullis/nest-service';
import type { AuditConfig } from '../config.js';
import { AUDIT_DB, createAuditDb, type AuditDb } from './audit-db.js';
import { EventWriter } from './event-writer.js';
import { PartitionManager } from './partitions.js';

/** Closes the pool last: consumers and jobs stop in onModuleDestroy, before this runs. */
@Injectable()
class AuditDbShutdown implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_DB) private readonly db: AuditDb) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.end();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: AUDIT_DB,
      inject: [CONFIG],
      useFactory: (config: AuditConfig) =>
        createAuditDb(config.DATABASE_URL, config.AUDIT_DB_POOL_MAX),
    },
    {
      provide: PartitionManager,
      inject: [AUDIT_DB],
      useFactory: (db: AuditDb) => new PartitionManager(db),
    },
    {
      provide: EventWriter,
      inject: [AUDIT_DB, PartitionManager, CONFIG],
      useFactory: (db: AuditDb, partitions: PartitionManager, config: AuditConfig) =>
        new EventWriter(db, partitions, {
          retentionDays: config.AUDIT_RETENTION_DAYS,
          daysAhead: config.AUDIT_PARTITION_DAYS_AHEAD,
        }),
    },
    AuditDbShutdown,
  ],
  exports: [AUDIT_DB, PartitionManager, EventWriter],
})
export class StoreModule {}
