import { Inject, Injectable } from '@nestjs/common';
import { managementActionSchema } from '@portcullis/contracts';
import { randomBase62 } from '@portcullis/crypto';
import type { PrismaClient, WebhookEndpoint } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { z } from 'zod';
import type { UserPrincipal } from '../auth/index.js';
import { SecretBox } from '../auth/secret-box.js';
import type { IdentityConfig } from '../config.js';
import { TeamAccess } from '../teams/team-access.js';
import { WEBHOOK_SECRET_PURPOSE } from './webhook-dispatcher.js';

export const createWebhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .refine((value) => !new URL(value).username && !new URL(value).password, {
      error: 'must not carry credentials',
    }),
  events: z
    .array(z.union([managementActionSchema, z.literal('*')]))
    .min(1)
    .max(50),
});
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

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
    private readonly teams: TeamAccess,
  ) {
    this.box = new SecretBox(config.IDENTITY_MASTER_KEY, WEBHOOK_SECRET_PURPOSE);
  }

  /** The signing secret is returned here once; afterwards only its holder knows it. */
  async create(user: UserPrincipal, teamId: string, input: CreateWebhookInput) {
    await this.teams.requireOwner(user, teamId);
    const secret = `whsec_${randomBase62(43)}`;
    const endpoint = await this.prisma.webhookEndpoint.create({
      data: {
        teamId,
        url: input.url,
        events: [...new Set(input.events)],
        secretEncrypted: this.box.seal(secret),
      },
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

  async remove(user: UserPrincipal, teamId: string, webhookId: string): Promise<void> {
    await this.teams.requireOwner(user, teamId);
    const result = await this.prisma.webhookEndpoint.deleteMany({
      where: { id: webhookId, teamId },
    });
    if (result.count === 0) throw problems.notFound('Webhook');
  }
}
