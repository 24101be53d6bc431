import { Global, Module } from '@nestjs/common';
import { FailureLimitRedis } from './failure-limit.js';
import { MemberLookupLimit } from './member-lookup-limit.js';

/** The Redis connection every failure limit shares, and the limits more than one feature uses. */
@Global()
@Module({
  providers: [FailureLimitRedis, MemberLookupLimit],
  exports: [FailureLimitRedis, MemberLookupLimit],
})
export class FailureLimitsModule {}
