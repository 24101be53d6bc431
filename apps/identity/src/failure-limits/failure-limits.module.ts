import { Global, Module } from '@nestjs/common';
import { FailureLimitRedis } from './failure-limit.js';

/** The Redis connection every failure limit shares. */
@Global()
@Module({ providers: [FailureLimitRedis], exports: [FailureLimitRedis] })
export class FailureLimitsModule {}
