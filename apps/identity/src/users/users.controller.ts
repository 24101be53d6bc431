import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody } from '../auth/zod-openapi.js';
import { AccountStatusService } from './account-status.service.js';
import { signUpSchema, type SignUpInput } from './user-schemas.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('v1')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly accountStatus: AccountStatusService,
  ) {}

  @Post('users')
  @ApiOperation({
    summary: 'Sign up',
    description:
      'Creates a developer account with a personal team. Passwords: 12+ characters. Who may sign up: `GET /v1/sign-up-policy`; without an invitation where the policy needs one (invitation mode, or an address outside the allowed domains) a 403, before the address is looked up. `invitationCode` from an admin admits the address it was issued for, once; a code that is not valid for this address is a 400.',
  })
  @ApiResponse({ status: 201, description: 'The new account' })
  @ApiProblems(400, 403, 409)
  signUp(@ValidatedBody(signUpSchema) body: SignUpInput, @CurrentRequestMeta() meta: RequestMeta) {
    return this.users.signUp(body, meta);
  }

  @Get('me')
  @Protected({ roles: ['developer'], allowPendingMfa: true })
  @ApiOperation({ summary: 'My profile, roles, teams and the APIs I approve' })
  @ApiProblems(401, 403)
  me(@CurrentUser() user: UserPrincipal) {
    return this.users.me(user);
  }

  @Post('users/:id/disable')
  @HttpCode(200)
  @Protected({ roles: ['admin'] })
  @ApiOperation({
    summary: 'Disable an account (admins)',
    description:
      'The person can no longer sign in (the same 401 as a wrong password) and every session of theirs ends at once. Their teams’ applications and credentials keep working. Disabling yourself, or the last active admin, is a 409; disabling a disabled account changes nothing.',
  })
  @ApiResponse({
    status: 200,
    description: '`{ id, email, displayName, status: "disabled", sessionsRevoked }`',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  disable(
    @CurrentUser() admin: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.accountStatus.disable(admin, id, meta);
  }

  @Post('users/:id/enable')
  @HttpCode(200)
  @Protected({ roles: ['admin'] })
  @ApiOperation({
    summary: 'Enable a disabled account again (admins)',
    description:
      'The person can sign in again; sessions ended by disabling stay ended. Enabling an active account changes nothing.',
  })
  @ApiResponse({
    status: 200,
    description: '`{ id, email, displayName, status: "active", sessionsRevoked: 0 }`',
  })
  @ApiProblems(400, 401, 403, 404)
  enable(
    @CurrentUser() admin: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.accountStatus.enable(admin, id, meta);
  }
}
