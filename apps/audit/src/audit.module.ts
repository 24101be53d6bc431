import { Module, type DynamicModule } from '@nestjs/common';
import {
  HealthController,
  PLATFORM_READINESS_CHECKS,
  PlatformModule,
  READINESS_CHECKS,
} from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { AuditConfig } from './config.js';

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
      ],
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, useExisting: PLATFORM_READINESS_CHECKS }],
    };
  }
}
