import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { decodeHashKey } from '@portcullis/crypto';
import type { EventPublisher } from '@portcullis/kafka';
import {
  EVENT_PRODUCER,
  HealthController,
  PLATFORM_READINESS_CHECKS,
  PlatformModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@portcullis/nest-service';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AccessEventRecorder } from './access-log/access-event-recorder.js';
import { AuthenticatePolicy } from './authentication/authenticate.policy.js';
import { BearerJwtVerifier } from './authentication/bearer-jwt.js';
import { SubscriptionPolicy } from './authorization/subscription.policy.js';
import type { GatewayConfig } from './config.js';
import { ConfigSync } from './config-sync/config-sync.service.js';
import { SnapshotStore } from './config-sync/snapshot-store.js';
import { configReadiness, identityReadiness, redisReadiness } from './health/gateway-readiness.js';
import { AssertionSigner } from './identity-assertion/assertion-signer.js';
import {
  GATEWAY_SIGNING_KEY,
  GatewayJwksController,
} from './identity-assertion/gateway-jwks.controller.js';
import {
  loadGatewaySigningKey,
  type GatewaySigningKey,
} from './identity-assertion/gateway-signing-key.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { GatewayPipeline } from './pipeline/gateway-pipeline.js';
import { ProxyPolicy } from './proxy/proxy.js';
import { UpstreamPools } from './proxy/upstream-pools.js';
import { RateLimitPolicy } from './rate-limiting/rate-limit.policy.js';
import { ResponseCache } from './response-cache/response-cache.js';
import { ThreatProtectionPolicy } from './threat-protection/threat-protection.policy.js';

export const REDIS = Symbol('REDIS');
const UPSTREAM_POOLS = Symbol('UPSTREAM_POOLS');

@Injectable()
class GatewayShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(UPSTREAM_POOLS) private readonly pools: UpstreamPools,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pools.close().catch(() => undefined);
    this.redis.disconnect();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const bearerVerifierFor = (store: SnapshotStore) => {
      const verifier = new BearerJwtVerifier(
        config.IDENTITY_JWKS_URL,
        config.IDENTITY_ISSUER,
        Date.now,
        { maxStaleMs: config.IDENTITY_JWKS_MAX_STALE_SECONDS * 1000 },
      );
      // Identity announces key changes on the config topic: read the JWKS again at once.
      store.onSigningKeysChanged(() => void verifier.refreshKeys());
      return verifier;
    };
    return {
      module: GatewayModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'gateway',
          config,
          logger,
          // Access events are encoded and sent off the request thread.
          kafka: {
            brokers: config.KAFKA_BROKERS,
            spoolDir: config.SPOOL_DIR,
            producerThread: true,
            producerThreadNiceness: config.GATEWAY_EVENTS_THREAD_NICENESS,
            lingerMs: config.GATEWAY_EVENTS_LINGER_MS,
          },
        }),
      ],
      controllers: [HealthController, GatewayJwksController],
      providers: [
        {
          provide: REDIS,
          // Fail fast instead of queueing commands while Redis is away: the limiter has a fallback.
          useFactory: () => {
            const redis = new Redis(config.REDIS_URL, {
              lazyConnect: false,
              enableOfflineQueue: false,
              maxRetriesPerRequest: 1,
              connectTimeout: 2_000,
            });
            redis.on('error', (error: Error) =>
              logger.debug({ err: error.message }, 'redis error'),
            );
            return redis;
          },
        },
        { provide: SnapshotStore, useValue: new SnapshotStore() },
        ConfigSync,
        {
          provide: UPSTREAM_POOLS,
          useFactory: () =>
            new UpstreamPools(config.GATEWAY_CIRCUIT_FAILURES, config.GATEWAY_CIRCUIT_COOLDOWN_MS),
        },
        {
          provide: GATEWAY_SIGNING_KEY,
          useFactory: () => loadGatewaySigningKey(config.GATEWAY_SIGNING_KEY_FILE),
        },
        {
          provide: GatewayPipeline,
          inject: [SnapshotStore, REDIS, UPSTREAM_POOLS, GATEWAY_SIGNING_KEY, EVENT_PRODUCER],
          useFactory: (
            store: SnapshotStore,
            redis: Redis,
            pools: UpstreamPools,
            key: GatewaySigningKey,
            producer: EventPublisher,
          ) =>
            new GatewayPipeline({
              store,
              authenticate: new AuthenticatePolicy(
                store,
                bearerVerifierFor(store),
                decodeHashKey(config.CREDENTIAL_HASH_KEY),
              ),
              subscription: new SubscriptionPolicy(store),
              rateLimit: new RateLimitPolicy(redis),
              threatProtection: new ThreatProtectionPolicy(logger),
              proxy: new ProxyPolicy(pools, new AssertionSigner(key, config.GATEWAY_ISSUER)),
              cache: new ResponseCache(config.GATEWAY_CACHE_MAX_BYTES),
              events: new AccessEventRecorder(producer, config.GATEWAY_ID, logger),
              metrics: new GatewayMetrics(producer),
              logger,
            }),
        },
        GatewayShutdown,
        {
          provide: READINESS_CHECKS,
          inject: [PLATFORM_READINESS_CHECKS, REDIS, ConfigSync],
          useFactory: (platform: ReadinessCheck[], redis: Redis, sync: ConfigSync) => [
            ...platform,
            redisReadiness(redis),
            identityReadiness(config.IDENTITY_URL),
            ...configReadiness(sync),
          ],
        },
      ],
    };
  }
}
