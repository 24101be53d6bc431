import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import {
  issueInvitationSchema,
  listInvitationsQuerySchema,
  type IssueInvitationInput,
  type ListInvitationsQuery,
} from './invitation-schemas.js';
import { InvitationsService } from './invitations.service.js';
import { SignUpPolicy } from './sign-up-policy.js';

@ApiTags('users')
@Controller('v1')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly policy: SignUpPolicy,
  ) {}

  @Get('sign-up-policy')
  @ApiOperation({
    summary: 'Who may sign up',
    description:
      '`mode`: `open` (anyone; only addresses at `emailDomains` when that is not empty) or `invitation` (only with a code an admin issued). An invitation admits its address in either mode.',
  })
  @ApiResponse({ status: 200, description: '`{ mode, emailDomains }`' })
  signUpPolicy() {
    return this.policy.view();
  }

  @Post('invitations')
  @Protected({ roles: ['admin'] })
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Invite someone to sign up (admins)',
    description:
      'The code (`pcl_inv_…`) is returned this once: hand it to the person out of band; they enter it when signing up with this e-mail address. It expires after INVITATION_TTL_SECONDS and works once; a newer invitation for the same address voids the earlier one. An address that has an account already is a 409.',
  })
  @ApiResponse({
    status: 201,
    description: '`{ id, email, status: "pending", expiresAt, …, code }`',
  })
  @ApiProblems(400, 401, 403, 409)
  issue(
    @CurrentUser() admin: UserPrincipal,
    @ValidatedBody(issueInvitationSchema) body: IssueInvitationInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.invitations.issue(admin, body, meta);
  }

  @Get('invitations')
  @Protected({ roles: ['admin'] })
  @ApiOperation({
    summary: 'Invitations, newest first (admins; never the codes)',
    description: '`status`: pending, used, expired or revoked.',
  })
  @ApiProblems(400, 401, 403)
  list(@ValidatedQuery(listInvitationsQuerySchema) query: ListInvitationsQuery) {
    return this.invitations.list(query);
  }

  @Delete('invitations/:id')
  @HttpCode(204)
  @Protected({ roles: ['admin'] })
  @ApiOperation({
    summary: 'Revoke a pending invitation (admins)',
    description: 'Its code stops working at once. A used, expired or revoked invitation is a 409.',
  })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiProblems(400, 401, 403, 404, 409)
  async revoke(
    @CurrentUser() admin: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.invitations.revoke(admin, id, meta);
  }
}
