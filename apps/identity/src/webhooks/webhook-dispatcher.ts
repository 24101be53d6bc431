import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { newEventId } from '@portcullis/contracts';
import type { PrismaClient, WebhookEndpoint } from '@portcullis/db';
import { CONFIG, LOGGER, PRISMA } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { request } from 'undici';
import { SecretBox } from '../auth/secret-box.js';
import type { IdentityConfig } from '../config.js';
import { signWebhook } from './webhook-signature.js';

/** Delays before each retry; a delivery gives up after the last. */
export const WEBHOOK_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];
const TIMEOUT_MS = 5_000;

export const WEBHOOK_SECRET_PURPOSE = 'webhook-signing-secret';

/**
 * Delivers team webhooks in the background: never awaited by a request, retried with backoff,
 * outcome kept on the endpoint (lastSuccessAt / lastError). Deliveries are at least once; the
 * `X-Portcullis-Delivery` id lets receivers drop duplicates.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationShutdown {
  private readonly box: SecretBox;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.box = new SecretBox(config.IDENTITY_MASTER_KEY, WEBHOOK_SECRET_PURPOSE);
  }

  /** Queues `type` for every enabled endpoint of these teams that listens to it. */
  dispatch(teamIds: Iterable<string | null | undefined>, type: string, data: object): void {
    const teams = [...new Set([...teamIds].filter((id): id is string => !!id))];
    if (teams.length === 0 || this.closed) return;
    const payload = { id: newEventId(), type, time: new Date().toISOString(), data };
    void this.prisma.webhookEndpoint
      .findMany({
        where: {
          teamId: { in: teams },
          enabled: true,
          OR: [{ events: { has: type } }, { events: { has: '*' } }],
        },
      })
      .then((endpoints) => {
        for (const endpoint of endpoints) void this.attempt(endpoint, payload, 0);
      })
      .catch((error: unknown) => this.logger.error({ err: error, type }, 'webhook lookup failed'));
  }

  private async attempt(
    endpoint: WebhookEndpoint,
    payload: { id: string; type: string },
    attempt: number,
  ): Promise<void> {
    if (this.closed) return;
    const body = JSON.stringify(payload);
    let failure: string | null = null;
    try {
      const secret = this.box.open(endpoint.secretEncrypted);
      const response = await request(endpoint.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Portcullis-Webhooks/1',
          'x-portcullis-event': payload.type,
          'x-portcullis-delivery': payload.id,
          'x-portcullis-signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        },
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300) {
        failure = `HTTP ${response.statusCode}`;
      }
    } catch (error) {
      failure = (error as { code?: string }).code ?? 'delivery failed';
    }
    await this.recordOutcome(endpoint.id, failure);
    if (failure === null) return;
    const delay = WEBHOOK_RETRY_DELAYS_MS[attempt];
    const context = { webhookId: endpoint.id, type: payload.type, attempt: attempt + 1, failure };
    if (delay === undefined) this.logger.warn(context, 'webhook delivery gave up');
    else this.logger.debug(context, 'webhook delivery failed, will retry');
    if (delay === undefined || this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(endpoint, payload, attempt + 1);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private async recordOutcome(endpointId: string, failure: string | null): Promise<void> {
    const now = new Date();
    await this.prisma.webhookEndpoint
      .updateMany({
        where: { id: endpointId },
        data:
          failure === null
            ? { lastSuccessAt: now }
            : { lastError: failure.slice(0, 200), lastErrorAt: now },
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'webhook outcome not saved'));
  }

  onApplicationShutdown(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
