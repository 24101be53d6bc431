import { Global, Module } from '@nestjs/common';
import { ConfigChanges } from './config-changes.js';
import { ManagementEvents } from './management-events.js';

@Global()
@Module({
  providers: [ManagementEvents, ConfigChanges],
  exports: [ManagementEvents, ConfigChanges],
})
export class AuditTrailModule {}
