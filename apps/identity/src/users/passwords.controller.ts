import { Controller, Header, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody } from '../auth/zod-openapi.js';
import {
  changePasswordSchema,
  redeemPasswordResetSchema,
  type ChangePasswordInput,
  type RedeemPasswordResetInput,
} from './password-schemas.js';
import { PasswordsService } from './passwords.service.js';

@ApiTags('users')
@Controller('v1')
export class PasswordsController {
  constructor(private readonly passwords: PasswordsService) {}

  @Post('me/password')
  @HttpCode(204)
  @Protected({ roles: ['developer'] })
  @ApiOperation({
    summary: 'Change my password (needs the current one; ends my other sessions)',
    description:
      'A wrong current password is a 400 and counts towards the account lockout. New passwords: 12+ characters, different from the current one.',
  })
  @ApiResponse({ status: 204, description: 'Changed; other sessions ended' })
  @ApiProblems(400, 401, 403)
  async change(
    @CurrentUser() user: UserPrincipal,
    @ValidatedBody(changePasswordSchema) body: ChangePasswordInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.passwords.change(user, body, meta);
  }

  @Post('users/:id/password-reset')
  @Protected({ roles: ['admin'] })
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Issue a one-time password reset token for a user (admins)',
    description:
      'The token (`pcl_pwr_…`) is returned this once: hand it to the person out of band. It expires after PASSWORD_RESET_TTL_SECONDS and works once; issuing another voids the earlier one.',
  })
  @ApiResponse({ status: 201, description: '`{ userId, token, expiresAt }`' })
  @ApiProblems(400, 401, 403, 404)
  issue(
    @CurrentUser() admin: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.passwords.issueReset(admin, id, meta);
  }

  @Post('password-resets')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with a reset token',
    description:
      'Ends every session of the account and lifts a lockout; two-factor sign-in stays as it was. An unknown, used or expired token is a 400.',
  })
  @ApiResponse({ status: 204, description: 'Password set; every session ended' })
  @ApiProblems(400)
  async redeem(
    @ValidatedBody(redeemPasswordResetSchema) body: RedeemPasswordResetInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.passwords.redeemReset(body, meta);
  }
}
