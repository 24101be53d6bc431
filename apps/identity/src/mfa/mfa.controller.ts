import { Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody } from '../auth/zod-openapi.js';
import { currentPasswordSchema } from '../users/password-schemas.js';
import { MfaService, type SecondFactor } from './mfa.service.js';

const totpCode = z.string().regex(/^\d{6}$/, 'must be the 6-digit code');
const codeSchema = z.strictObject({ code: totpCode });
type CodeInput = z.infer<typeof codeSchema>;

/** Turning TOTP on also needs the password: a stolen session alone must not enrol its own phone. */
const confirmSchema = z.strictObject({ code: totpCode, currentPassword: currentPasswordSchema });
type ConfirmInput = z.infer<typeof confirmSchema>;

/** A TOTP code, or one of the recovery codes instead (each works once). */
const secondFactorSchema = z
  .strictObject({
    code: totpCode.optional(),
    recoveryCode: z.string().trim().min(1).max(64).optional(),
  })
  .refine((value) => (value.code === undefined) !== (value.recoveryCode === undefined), {
    error: 'give either code or recoveryCode',
  })
  .transform((value): SecondFactor =>
    value.recoveryCode !== undefined ? { recoveryCode: value.recoveryCode } : { code: value.code! },
  );

@ApiTags('mfa')
@Controller('v1')
@Protected({ roles: ['developer'], allowPendingMfa: true })
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('me/mfa/totp')
  @ApiOperation({
    summary: 'Start TOTP enrolment',
    description:
      'Returns the secret and an otpauth:// URI once. Confirm with a code and your password to enable.',
  })
  @ApiProblems(401, 403, 409)
  enrol(@CurrentUser() user: UserPrincipal) {
    return this.mfa.enrol(user);
  }

  @Post('me/mfa/totp/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirm TOTP enrolment with a current code and my password',
    description:
      'Needs `{ code, currentPassword }`: a wrong current password is a 400 and counts towards the account lockout (the one that locks it also ends this session), like `POST /v1/me/password`. Answers `{ totpEnabled, recoveryCodes }`: ten recovery codes, shown this once, each usable once instead of a TOTP code.',
  })
  @ApiProblems(400, 401, 403, 409)
  confirm(
    @CurrentUser() user: UserPrincipal,
    @ValidatedBody(confirmSchema) body: ConfirmInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.mfa.confirm(user, body, meta);
  }

  @Post('me/mfa/recovery-codes')
  @Protected({ roles: ['developer'] })
  @ApiOperation({
    summary: 'Replace my recovery codes (needs a current TOTP code)',
    description: 'Answers `{ recoveryCodes }`, shown this once; the earlier codes stop working.',
  })
  @ApiResponse({ status: 201, description: '`{ recoveryCodes }`, shown this once' })
  @ApiProblems(400, 401, 403, 409)
  regenerate(
    @CurrentUser() user: UserPrincipal,
    @ValidatedBody(codeSchema) body: CodeInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.mfa.regenerateRecoveryCodes(user, body.code, meta);
  }

  @Delete('me/mfa/totp')
  @HttpCode(204)
  @Protected({ roles: ['developer'] })
  @ApiOperation({
    summary:
      'Disable TOTP (needs a current code or a recovery code; refused when your roles need it)',
  })
  @ApiProblems(400, 401, 403, 409)
  async disable(
    @CurrentUser() user: UserPrincipal,
    @ValidatedBody(secondFactorSchema) body: SecondFactor,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.mfa.disable(user, body, meta);
  }

  @Post('sessions/current/mfa')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give the second factor for this session: `{code}` or `{recoveryCode}`',
    description: 'Wrong codes (either kind) count towards the account lockout.',
  })
  @ApiProblems(400, 401, 403, 409)
  verify(
    @CurrentUser() user: UserPrincipal,
    @ValidatedBody(secondFactorSchema) body: SecondFactor,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.mfa.verifySession(user, body, meta);
  }
}
