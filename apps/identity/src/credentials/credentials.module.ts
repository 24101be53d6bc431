import { Module } from '@nestjs/common';
import { OAuthModule } from '../oauth/oauth.module.js';
import { SecurityModule } from '../security/security.module.js';
import { CredentialsController } from './credentials.controller.js';
import { CredentialSweeper } from './credential-sweeper.js';
import { CredentialsService } from './credentials.service.js';

@Module({
  imports: [OAuthModule, SecurityModule],
  controllers: [CredentialsController],
  providers: [CredentialsService, CredentialSweeper],
  exports: [CredentialsService],
})
export class CredentialsModule {}
