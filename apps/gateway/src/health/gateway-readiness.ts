import type { ReadinessCheck } from '@portcullis/nest-service';
import { request } from 'undici';
import type { Redis } from 'ioredis';
import type { ConfigSync } from '../config-sync/config-sync.service.js';

export function redisReadiness(redis: Redis): ReadinessCheck {
  return {
    name: 'redis',
    async check() {
      const answer = await redis.ping();
      if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${answer}`);
    },
  };
}

/** The gateway needs identity's JWKS and snapshot to make decisions. */
export function identityReadiness(identityUrl: string): ReadinessCheck {
  return {
    name: 'identity',
    async check() {
      const response = await request(new URL('/healthz', identityUrl), {
        headersTimeout: 1_500,
        bodyTimeout: 1_500,
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`identity answered ${response.statusCode}`);
    },
  };
}

/** Traffic is refused until the snapshot is in; changes are missed while the feed is not followed. */
export function configReadiness(sync: ConfigSync): ReadinessCheck[] {
  return [
    {
      name: 'snapshot',
      async check() {
        if (!sync.store.loaded) throw new Error(sync.lastError ?? 'not loaded yet');
      },
    },
    {
      name: 'config-feed',
      async check() {
        if (!sync.consumerReady) throw new Error('not following config changes yet');
      },
    },
  ];
}
