import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import {
  approvalsQuerySchema,
  approveSchema,
  optionalCommentSchema,
  requestSubscriptionSchema,
  requiredCommentSchema,
  type ApprovalsQuery,
  type ApproveInput,
  type OptionalCommentInput,
  type RequestSubscriptionInput,
  type RequiredCommentInput,
} from './subscription-schemas.js';
import { SubscriptionsService } from './subscriptions.service.js';

const uuid = new ParseUUIDPipe();

@ApiTags('subscriptions')
@Controller('v1')
@Protected({ roles: ['developer'] })
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post('applications/:appId/subscriptions')
  @ApiOperation({
    summary: 'Request access to an API for an application (team members)',
    description:
      'Approved at once when the plan (or the API, for that environment) is in `auto` mode; otherwise pending until an approver decides. Asking again for a subscription an approver rejected, suspended or revoked (and no one has approved since) is always pending.',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  request(
    @CurrentUser() user: UserPrincipal,
    @Param('appId', uuid) appId: string,
    @ValidatedBody(requestSubscriptionSchema) body: RequestSubscriptionInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.subscriptions.request(user, appId, body, meta);
  }

  @Get('applications/:appId/subscriptions')
  @ApiOperation({ summary: "An application's subscriptions" })
  @ApiProblems(400, 401, 403, 404)
  list(@CurrentUser() user: UserPrincipal, @Param('appId', uuid) appId: string) {
    return this.subscriptions.listForApplication(user, appId);
  }

  @Get('subscriptions/:id')
  @ApiOperation({ summary: 'A subscription with its full decision history' })
  @ApiProblems(400, 401, 403, 404)
  get(@CurrentUser() user: UserPrincipal, @Param('id', uuid) id: string) {
    return this.subscriptions.get(user, id);
  }

  @Get('approvals')
  @Protected({ roles: ['approver', 'admin'] })
  @ApiOperation({
    summary: 'Approver inbox: requests for the APIs I approve (default: pending)',
    description:
      "`ownTeam: true` (your team's application) and `ownRequest: true` (you asked for it) mark requests separation of duties stops you from approving.",
  })
  @ApiProblems(400, 401, 403)
  approvals(
    @CurrentUser() user: UserPrincipal,
    @ValidatedQuery(approvalsQuerySchema) query: ApprovalsQuery,
  ) {
    return this.subscriptions.approvals(user, query);
  }

  @Post('subscriptions/:id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a pending request (approvers of the API, admins)',
    description:
      'Grants `scopes` (default: all of the API). Separation of duties: nobody approves a request they made, and approvers may not approve requests of their own team.',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  approve(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuid) id: string,
    @ValidatedBody(approveSchema) body: ApproveInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.subscriptions.transition(user, id, 'approve', body, meta);
  }

  @Post('subscriptions/:id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a pending request, saying why (approvers, admins)' })
  @ApiProblems(400, 401, 403, 404, 409)
  reject(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuid) id: string,
    @ValidatedBody(requiredCommentSchema) body: RequiredCommentInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.subscriptions.transition(user, id, 'reject', body, meta);
  }

  @Post('subscriptions/:id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend an approved subscription (approvers, admins)' })
  @ApiProblems(400, 401, 403, 404, 409)
  suspend(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuid) id: string,
    @ValidatedBody(requiredCommentSchema) body: RequiredCommentInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.subscriptions.transition(user, id, 'suspend', body, meta);
  }

  @Post('subscriptions/:id/resume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a suspended subscription (approvers, admins)',
    description:
      'Separation of duties as for approving: not by whoever requested it, nor by an approver of its own team.',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  resume(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuid) id: string,
    @ValidatedBody(optionalCommentSchema) body: OptionalCommentInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.subscriptions.transition(user, id, 'resume', body, meta);
  }

  @Post('subscriptions/:id/revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke (approvers, admins) or withdraw (the application team) a subscription',
    description:
      'The application team may withdraw a pending or approved subscription, not a suspended one: only an approver can resume or revoke that.',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  revoke(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuid) id: string,
    @ValidatedBody(requiredCommentSchema) body: RequiredCommentInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.subscriptions.transition(user, id, 'revoke', body, meta);
  }
}
