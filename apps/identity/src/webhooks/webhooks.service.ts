import { Inject, Injectable } from '@nestjs/common';
import { managementActionSchema } from '@portcullis/contracts';
import { randomBase62 } from '@portcullis/crypto';
import type { PrismaClient, WebhookEndpoint } from '@portcullis/db';
import { CONFIG, LOGGER, PRISMA, problems } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { secretBoxFor, type SecretBox } from '../auth/secret-box.js';
import type { IdentityConfig } from '../config.js';
import { hostOf } from '../destinations/address-class.js';
import { TeamAccess } from '../teams/team-access.js';
import { WEBHOOK_SECRET_PURPOSE } from './webhook-secret.js';
import { WEBHOOK_DESTINATION_REFUSED, WebhookUrlGuard } from './webhook-url-guard.js';

export const createWebhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    // zod runs this even when the URL check above failed: an unparseable value is already refused.
    .refine(
      (value) => {
        if (!URL.canParse(value)) return true;
        const url = new URL(value);
        return !url.username && !url.password;
      },
      { error: 'must not carry credentials' },
    ),
  events: z
    .array(z.union([managementActionSchema, z.literal('*')]))
    .min(1)
    .max(50),
});
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

export const deliveriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type DeliveriesQuery = z.infer<typeof deliveriesQuerySchema>;

/** Each endpoint turns every team event into a signed POST and an outbox row. */
export const MAX_WEBHOOKS_PER_TEAM = 10;

/**
 * Where a webhook points, for the audit trail: scheme, host and port only. Paths and queries of
 * webhook URLs often carry the receiver's own secret (chat and incident tools work that way).
 */
function destinationOf(url: string): string {
  return new URL(url).origin;
}

function view(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    teamId: endpoint.teamId,
    url: endpoint.url,
    events: endpoint.events,
    enabled: endpoint.enabled,
    lastSuccessAt: endpoint.lastSuccessAt?.toISOString() ?? null,
    lastError: endpoint.lastError,
    lastErrorAt: endpoint.lastErrorAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
  };
}

@Injectable()
export class WebhooksService {
  private readonly box: SecretBox;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly teams: TeamAccess,
    private readonly guard: WebhookUrlGuard,
    private readonly events: ManagementEvents,
  ) {
    this.box = secretBoxFor(config, WEBHOOK_SECRET_PURPOSE);
  }

  /** The signing secret is returned here once; afterwards only its holder knows it. */
  async create(user: UserPrincipal, teamId: string, input: CreateWebhookInput, meta: RequestMeta) {
    await this.teams.requireOwner(user, teamId);
    const existing = await this.prisma.webhookEndpoint.count({ where: { teamId } });
    if (existing >= MAX_WEBHOOKS_PER_TEAM) {
      throw problems.conflict(
        `A team may have ${MAX_WEBHOOKS_PER_TEAM} webhooks at most; remove one it no longer needs first.`,
      );
    }
    const url = new URL(input.url);
    const destination = await this.guard.check(url);
    if (!destination.ok) {
      // The client gets one text for every refusal (no address, class or DNS error: that would
      // map internal DNS for anyone who owns a team); operators get the precise reason here. The
      // host only: a webhook URL's path and query often hold the receiver's own secret.
      this.logger.info(
        { teamId, userId: user.userId, host: hostOf(url), reason: destination.reason },
        'webhook destination refused',
      );
      throw problems.validation([{ path: 'url', message: WEBHOOK_DESTINATION_REFUSED }]);
    }
    const secret = `whsec_${randomBase62(43)}`;
    const endpoint = await this.prisma.webhookEndpoint.create({
      data: {
        teamId,
        url: input.url,
        events: [...new Set(input.events)],
        secretEncrypted: this.box.seal(secret),
      },
    });
    this.events.publish({
      action: 'webhook.created',
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'webhook', id: endpoint.id },
      teamId,
      ...meta,
      details: { destination: destinationOf(endpoint.url), events: endpoint.events },
    });
    return { ...view(endpoint), secret };
  }

  async list(user: UserPrincipal, teamId: string) {
    await this.teams.requireVisible(user, teamId);
    const endpoints = await this.prisma.webhookEndpoint.findMany({
      where: { teamId },
      orderBy: { createdAt: 'asc' },
    });
    return { items: endpoints.map(view) };
  }

  /** The endpoint's most recent deliveries, newest first (members). */
  async deliveries(user: UserPrincipal, teamId: string, webhookId: string, limit: number) {
    await this.teams.requireVisible(user, teamId);
    const endpoint = await this.prisma.webhookEndpoint.findFirst({
      where: { id: webhookId, teamId },
      select: { id: true },
    });
    if (!endpoint) throw problems.notFound('Webhook');
    const rows = await this.prisma.webhookDelivery.findMany({
      where: { endpointId: webhookId },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
    return {
      items: rows.map((row) => ({
        id: row.id,
        eventId: row.eventId,
        eventType: row.eventType,
        status: row.status,
        attempts: row.attempts,
        nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
        lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
        lastStatusCode: row.lastStatusCode,
        lastError: row.lastError,
        deliveredAt: row.deliveredAt?.toISOString() ?? null,
        createdAt: row.createdAt.toISOString(),
      })),
    };
  }

  async remove(
    user: UserPrincipal,
    teamId: string,
    webhookId: string,
    meta: RequestMeta,
  ): Promise<void> {
    await this.teams.requireOwner(user, teamId);
    const endpoint = await this.prisma.webhookEndpoint.findFirst({
      where: { id: webhookId, teamId },
      select: { url: true },
    });
    const result = await this.prisma.webhookEndpoint.deleteMany({
      where: { id: webhookId, teamId },
    });
    if (!endpoint || result.count === 0) throw problems.notFound('Webhook');
    this.events.publish({
      action: 'webhook.deleted',
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'webhook', id: webhookId },
      teamId,
      ...meta,
      details: { destination: destinationOf(endpoint.url) },
    });
  }
}
