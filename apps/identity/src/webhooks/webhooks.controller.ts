import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import {
  createWebhookSchema,
  deliveriesQuerySchema,
  WebhooksService,
  type CreateWebhookInput,
  type DeliveriesQuery,
} from './webhooks.service.js';

@ApiTags('webhooks')
@Controller('v1/teams/:teamId/webhooks')
@Protected({ roles: ['developer'] })
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Register a team webhook (owners); the signing secret is shown once',
    description:
      'Deliveries are POSTs of `{id, type, time, data}` with `X-Portcullis-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, retried with exponential back-off from a persistent outbox. URLs that resolve to loopback, private, link-local or metadata addresses are refused (400) unless allowed by WEBHOOK_ALLOWED_PRIVATE_HOSTS. A team has 10 webhooks at most (409). Recorded as a `webhook.created` management event (the destination origin only: paths may hold the receiver\'s secret).',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  create(
    @CurrentUser() user: UserPrincipal,
    @Param('teamId', new ParseUUIDPipe()) teamId: string,
    @ValidatedBody(createWebhookSchema) body: CreateWebhookInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.webhooks.create(user, teamId, body, meta);
  }

  @Get()
  @ApiOperation({ summary: 'The team webhooks with their last delivery outcome' })
  @ApiProblems(400, 401, 403, 404)
  list(@CurrentUser() user: UserPrincipal, @Param('teamId', new ParseUUIDPipe()) teamId: string) {
    return this.webhooks.list(user, teamId);
  }

  @Get(':webhookId/deliveries')
  @ApiOperation({
    summary: "The webhook's recent deliveries, newest first (members)",
    description:
      '`status`: `pending` (with `nextAttemptAt`), `delivered` or `failed` (given up), with `attempts`, `lastStatusCode` and `lastError`.',
  })
  @ApiResponse({ status: 200, description: '`{ items }`' })
  @ApiProblems(400, 401, 403, 404)
  deliveries(
    @CurrentUser() user: UserPrincipal,
    @Param('teamId', new ParseUUIDPipe()) teamId: string,
    @Param('webhookId', new ParseUUIDPipe()) webhookId: string,
    @ValidatedQuery(deliveriesQuerySchema) query: DeliveriesQuery,
  ) {
    return this.webhooks.deliveries(user, teamId, webhookId, query.limit);
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a webhook (owners)' })
  @ApiProblems(400, 401, 403, 404)
  async remove(
    @CurrentUser() user: UserPrincipal,
    @Param('teamId', new ParseUUIDPipe()) teamId: string,
    @Param('webhookId', new ParseUUIDPipe()) webhookId: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.webhooks.remove(user, teamId, webhookId, meta);
  }
}
