import { Global, Module } from '@nestjs/common';
import { InvitationsModule } from '../invitations/invitations.module.js';
import { SessionsController } from '../sessions/sessions.controller.js';
import { DevicesController } from '../sessions/devices.controller.js';
import { SignInAddressLimit } from '../sessions/sign-in-address-limit.js';
import { KnownDevices } from '../sessions/known-devices.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AccountStatusService } from './account-status.service.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordsController } from './passwords.controller.js';
import { PasswordsService } from './passwords.service.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/**
 * Accounts and sessions: sign-up (with its policy and invitations), sign-in (with lockout), sign-out, profile, passwords, and
 * admins disabling or enabling accounts.
 */
@Global()
@Module({
  imports: [InvitationsModule],
  controllers: [UsersController, SessionsController, DevicesController, PasswordsController],
  providers: [
    PasswordHasher,
    UsersService,
    SessionsService,
    KnownDevices,
    SignInAddressLimit,
    PasswordsService,
    AccountStatusService,
  ],
  exports: [PasswordHasher, SessionsService, PasswordsService],
})
export class UsersModule {}
