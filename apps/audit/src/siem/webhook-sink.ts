import { request, type Agent } from 'undici';
import { retryAfterSeconds, sinkHttpAgent } from './http-dispatcher.js';
import type { WebhookSinkConfig } from './sink-config.js';
import { SinkDeliveryError, type SinkDelivery } from './sink-delivery.js';
import type { ExportableEvent } from './siem-record.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/** POSTs `{"events":[…]}` (the event envelopes as on Kafka), signed with HMAC-SHA256. */
export class WebhookSink implements SinkDelivery {
  readonly batchSize: number;
  readonly #agent: Agent;

  constructor(
    private readonly config: WebhookSinkConfig,
    private readonly secret: { secret: string },
  ) {
    this.batchSize = config.batchSize;
    this.#agent = sinkHttpAgent({});
  }

  async deliver(events: readonly ExportableEvent[]): Promise<void> {
    if (events.length === 0) return;
    const body = JSON.stringify({ events });
    let response;
    try {
      response = await request(this.config.url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(this.secret.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
      });
    } catch (error) {
      throw new SinkDeliveryError(
        `webhook unreachable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await response.body.dump().catch(() => undefined);
    if (response.statusCode >= 200 && response.statusCode < 300) return;
    throw new SinkDeliveryError(
      `webhook answered ${response.statusCode}`,
      retryAfterSeconds(response.headers['retry-after']),
    );
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
