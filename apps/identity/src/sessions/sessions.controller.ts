import { Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody } from '../auth/zod-openapi.js';
import { signInSchema, type SignInInput } from './session-schemas.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Sign in',
    description:
      'Returns a session token (`pcl_sess_…`) and a device token (`deviceToken`, `pcl_dev_…`, with `deviceExpiresAt`) to send back at the next sign-in from the same device. With `mfaRequired`, the session token works only for the MFA routes until `POST /v1/sessions/current/mfa` (or TOTP enrolment) succeeds. Five wrong passwords in a row lock out the known device they came from, or, without a device token, every new device, for 15 minutes; five wrong second factors lock the account. Every failure gets the same 401. An address with SIGN_IN_MAX_FAILURES_PER_ADDRESS failures (new devices and unknown e-mails) in SIGN_IN_ADDRESS_WINDOW_SECONDS gets 429 with Retry-After for new devices until the window ends; known devices are not held back.',
  })
  @ApiResponse({
    status: 201,
    description:
      '`{ token, expiresAt, mfaRequired, mfaEnrolmentRequired, deviceToken, deviceExpiresAt }`',
  })
  @ApiProblems(400, 401, 429)
  signIn(@ValidatedBody(signInSchema) body: SignInInput, @CurrentRequestMeta() meta: RequestMeta) {
    return this.sessions.signIn(body, meta);
  }

  @Delete('current')
  @HttpCode(204)
  @Protected({ roles: ['developer'], allowPendingMfa: true })
  @ApiOperation({ summary: 'Sign out (revokes this session token)' })
  @ApiProblems(401, 403)
  async signOut(
    @CurrentUser() user: UserPrincipal,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.sessions.signOut(user, meta);
  }

  @Delete('others')
  @Protected({ roles: ['developer'] })
  @ApiOperation({
    summary: 'Sign out everywhere else',
    description:
      'Ends every other open session of the signed-in person (other browsers, API clients), keeping this one. Audited as `user.signed_out` with `details.scope` `others`. Known devices stay known; forget one to end its sessions and its standing.',
  })
  @ApiResponse({ status: 200, description: '`{ sessionsEnded }`: how many sessions were open.' })
  @ApiProblems(401, 403)
  signOutOthers(@CurrentUser() user: UserPrincipal, @CurrentRequestMeta() meta: RequestMeta) {
    return this.sessions.signOutOthers(user, meta);
  }
}
