import { Module, type DynamicModule } from '@nestjs/common';
import {
  HealthController,
  PLATFORM_READINESS_CHECKS,
  PlatformModule,
  READINESS_CHECKS,
} from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { AuditTrailModule } from './audit-trail/audit-trail.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ManagementApiModule } from './auth/management-api.module.js';
import { GatewayFeedModule } from './gateway-feed/gateway-feed.module.js';
import { CredentialsModule } from './credentials/credentials.module.js';
import { FailureLimitsModule } from './failure-limits/failure-limits.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import type { IdentityConfig } from './config.js';

@Module({})
export class IdentityModule {
  static forRoot(config: IdentityConfig, logger: Logger): DynamicModule {
    return {
      module: IdentityModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'identity',
          config,
          logger,
          database: { url: config.DATABASE_URL },
          kafka: { brokers: config.KAFKA_BROKERS, spoolDir: config.SPOOL_DIR },
        }),
        AuthModule,
        AuditTrailModule,
        FailureLimitsModule,
        GatewayFeedModule,
        // Feature modules are added below, one per folder.
        OAuthModule,
        CredentialsModule,
        ManagementApiModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, useExisting: PLATFORM_READINESS_CHECKS }],
    };
  }
}
