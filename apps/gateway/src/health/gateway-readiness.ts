import type { ReadinessCheck } from '@portcullis/nest-service';
import { request } from 'undici';
import type { Redis } from 'ioredis';

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
