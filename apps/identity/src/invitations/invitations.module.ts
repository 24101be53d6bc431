import { Module } from '@nestjs/common';
import { InvitationsController } from './invitations.controller.js';
import { InvitationsService } from './invitations.service.js';
import { SignUpPolicy } from './sign-up-policy.js';

/** Who may sign up: the sign-up policy and admins' invitations. */
@Module({
  controllers: [InvitationsController],
  providers: [InvitationsService, SignUpPolicy],
  exports: [InvitationsService, SignUpPolicy],
})
export class InvitationsModule {}
