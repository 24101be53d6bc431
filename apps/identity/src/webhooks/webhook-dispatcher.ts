import { Inject, Injectable } from '@nestjs/common';
import { newEventId } from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { LOGGER, PRISMA } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { WebhookDeliveryWorker } from './webhook-delivery-worker.js';

/**
 * Queues team webhooks: one outbox row (`webhook_deliveries`) per event and listening endpoint,
 * delivered in the background by WebhookDeliveryWorker on any replica, with retries that survive
 * restarts. Never blocks the request that caused the event.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly worker: WebhookDeliveryWorker,
  ) {}

  /** Queues `type` for every enabled endpoint of these teams that listens to it. */
  dispatch(teamIds: Iterable<string | null | undefined>, type: string, data: object): void {
    const teams = [...new Set([...teamIds].filter((id): id is string => !!id))];
    if (teams.length === 0) return;
    void this.enqueue(teams, type, data).catch((error: unknown) =>
      this.logger.error({ err: error, type }, 'webhook deliveries not queued'),
    );
  }

  private async enqueue(teams: string[], type: string, data: object): Promise<void> {
    const endpoints = await this.prisma.webhookEndpoint.findMany({
      where: {
        teamId: { in: teams },
        enabled: true,
        OR: [{ events: { has: type } }, { events: { has: '*' } }],
      },
      select: { id: true },
    });
    if (endpoints.length === 0) return;
    const payload = { id: newEventId(), type, time: new Date().toISOString(), data };
    await this.prisma.webhookDelivery.createMany({
      data: endpoints.map((endpoint) => ({
        endpointId: endpoint.id,
        eventId: payload.id,
        eventType: type,
        payload: JSON.parse(JSON.stringify(payload)) as object,
      })),
    });
    this.worker.kick();
  }
}
