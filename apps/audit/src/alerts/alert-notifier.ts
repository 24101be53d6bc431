import { Inject, Injectable } from '@nestjs/common';
import { alertEventSchema, buildEvent, TOPICS, type AlertEvent } from '@portcullis/contracts';
import type { Alert } from '@portcullis/db';
import type { EventPublisher } from '@portcullis/kafka';
import { CONFIG, EVENT_PRODUCER, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { request } from 'undici';
import { signWebhook, SIGNATURE_HEADER } from '../siem/webhook-signature.js';
import type { AlertsConfig } from './alerts-env.js';

export type AlertTransition = AlertEvent['data']['transition'];

/**
 * Publishes each alert transition as an `audit.alert` event (so it reaches the SIEM sinks too)
 * and, when ALERT_WEBHOOK_URL is set, POSTs it there. Neither is awaited by the caller.
 */
@Injectable()
export class AlertNotifier {
  readonly #logger: Logger;

  constructor(
    @Inject(EVENT_PRODUCER) private readonly producer: EventPublisher,
    @Inject(CONFIG) private readonly config: AlertsConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.#logger = logger.child({ component: 'alerts' });
  }

  notify(alert: Alert, transition: AlertTransition, changedBy: string | null): AlertEvent {
    const event = buildEvent(alertEventSchema, {
      source: 'audit',
      data: {
        alertId: alert.id,
        transition,
        rule: alert.rule as AlertEvent['data']['rule'],
        severity: alert.severity,
        status: alert.status,
        dedupKey: alert.dedupKey,
        summary: alert.summary,
        subject: alert.subject as Record<string, unknown>,
        count: alert.count,
        firstSeenAt: alert.firstSeenAt.toISOString(),
        lastSeenAt: alert.lastSeenAt.toISOString(),
        changedBy,
      },
    });
    this.producer.publish(TOPICS.alertEvents, alert.id, event);
    if (this.config.ALERT_WEBHOOK_URL) void this.#postWebhook(this.config.ALERT_WEBHOOK_URL, event);
    return event;
  }

  async #postWebhook(url: string, event: AlertEvent): Promise<void> {
    const body = JSON.stringify(event);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.config.ALERT_WEBHOOK_SECRET) {
      headers[SIGNATURE_HEADER] = signWebhook(
        this.config.ALERT_WEBHOOK_SECRET,
        body,
        Math.floor(Date.now() / 1000),
      );
    }
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        const response = await request(url, {
          method: 'POST',
          headers,
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await response.body.dump();
        if (response.statusCode < 300) return;
        this.#logger.warn(
          { status: response.statusCode, alertId: event.data.alertId, attempt },
          'alert webhook refused the alert',
        );
      } catch (error) {
        this.#logger.warn(
          { reason: error instanceof Error ? error.message : String(error), attempt },
          'alert webhook unreachable',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}
