import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  HealthController,
  PLATFORM_READINESS_CHECKS,
  PlatformModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@portcullis/nest-service';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { identityReadiness, redisReadiness } from './health/gateway-readiness.js';

export const REDIS = Symbol('REDIS');

@Injectable()
class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'gateway',
          config,
          logger,
          kafka: { brokers: config.KAFKA_BROKERS, spoolDir: config.SPOOL_DIR },
        }),
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: REDIS,
          // Fail fast instead of queueing commands while Redis is away: the limiter has a fallback.
          useFactory: () =>
            new Redis(config.REDIS_URL, {
              lazyConnect: false,
              enableOfflineQueue: false,
              maxRetriesPerRequest: 1,
              connectTimeout: 2_000,
            }),
        },
        RedisShutdown,
        {
          provide: READINESS_CHECKS,
          inject: [PLATFORM_READINESS_CHECKS, REDIS],
          useFactory: (platform: ReadinessCheck[], redis: Redis) => [
            ...platform,
            redisReadiness(redis),
            identityReadiness(config.IDENTITY_URL),
          ],
        },
      ],
    };
  }
}
