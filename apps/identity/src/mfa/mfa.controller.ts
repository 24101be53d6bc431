import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '@portcullis/nest-service';
import { z } from 'zod';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ApiZodBody } from '../auth/zod-openapi.js';
import { MfaService } from './mfa.service.js';

const codeSchema = z.strictObject({
  code: z.string().regex(/^\d{6}$/, 'must be the 6-digit code'),
});
type CodeInput = z.infer<typeof codeSchema>;

@ApiTags('mfa')
@Controller('v1')
@Protected({ roles: ['developer'], allowPendingMfa: true })
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('me/mfa/totp')
  @ApiOperation({
    summary: 'Start TOTP enrolment',
    description: 'Returns the secret and an otpauth:// URI once. Confirm with a code to enable.',
  })
  @ApiProblems(401, 403, 409)
  enrol(@CurrentUser() user: UserPrincipal) {
    return this.mfa.enrol(user);
  }

  @Post('me/mfa/totp/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm TOTP enrolment with a current code' })
  @ApiZodBody(codeSchema)
  @ApiProblems(400, 401, 403, 409)
  confirm(
    @CurrentUser() user: UserPrincipal,
    @Body(new ZodValidationPipe(codeSchema)) body: CodeInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.mfa.confirm(user, body.code, meta);
  }

  @Delete('me/mfa/totp')
  @HttpCode(204)
  @Protected({ roles: ['developer'] })
  @ApiOperation({ summary: 'Disable TOTP (needs a current code; refused when your roles need it)' })
  @ApiZodBody(codeSchema)
  @ApiProblems(400, 401, 403, 409)
  async disable(
    @CurrentUser() user: UserPrincipal,
    @Body(new ZodValidationPipe(codeSchema)) body: CodeInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.mfa.disable(user, body.code, meta);
  }

  @Post('sessions/current/mfa')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give the second factor for this session' })
  @ApiZodBody(codeSchema)
  @ApiProblems(400, 401, 403, 409)
  verify(
    @CurrentUser() user: UserPrincipal,
    @Body(new ZodValidationPipe(codeSchema)) body: CodeInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.mfa.verifySession(user, body.code, meta);
  }
}
