import { Module, type DynamicModule } from '@nestjs/common';
import {
  HealthController,
  PLATFORM_READINESS_CHECKS,
  PlatformModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { AuditAuthModule } from './auth/auth.module.js';
import type { AuditConfig } from './config.js';
import { IngestModule } from './ingest/ingest.module.js';
import { IngestService } from './ingest/ingest.service.js';
import { IntegrityModule } from './integrity/integrity.module.js';
import { QueryModule } from './query/query.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { SecurityFeedModule } from './siem/security-feed.module.js';
import { StoreModule } from './store/store.module.js';

@Module({})
export class AuditModule {
  static forRoot(config: AuditConfig, logger: Logger): DynamicModule {
    return {
      module: AuditModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'audit',
          config,
          logger,
          database: { url: config.DATABASE_URL },
          kafka: { brokers: config.KAFKA_BROKERS, spoolDir: config.SPOOL_DIR },
        }),
        AuditAuthModule,
        StoreModule,
        IngestModule,
        RetentionModule,
        IntegrityModule,
        QueryModule,
        // Feature modules are added below, one per folder.
        SecurityFeedModule,
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: READINESS_CHECKS,
          inject: [PLATFORM_READINESS_CHECKS, IngestService],
          useFactory: (platform: ReadinessCheck[], ingest: IngestService): ReadinessCheck[] => [
            ...platform,
            ingest.readinessCheck(),
          ],
        },
      ],
    };
  }
}
