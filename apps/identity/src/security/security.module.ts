import { Module } from '@nestjs/common';
import { CredentialSuspensions } from './credential-suspensions.js';
import { SecurityController } from './security.controller.js';
import { SecurityResponsesService } from './security-responses.service.js';
import { SourceBlocksService } from './source-blocks.service.js';

/** Security responses to alerts and source blocks, enforced by the token endpoint and gateways. */
@Module({
  controllers: [SecurityController],
  providers: [SecurityResponsesService, SourceBlocksService, CredentialSuspensions],
  exports: [CredentialSuspensions],
})
export class SecurityModule {}
