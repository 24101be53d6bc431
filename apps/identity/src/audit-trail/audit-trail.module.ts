import { Global, Module } from '@nestjs/common';
import { ConfigChanges } from './config-changes.js';
import { ConfigVersion } from './config-version.js';
import { ManagementEvents } from './management-events.js';

@Global()
@Module({
  providers: [ManagementEvents, ConfigChanges, ConfigVersion],
  exports: [ManagementEvents, ConfigChanges, ConfigVersion],
})
export class AuditTrailModule {}
