import { request, type Agent } from 'undici';
import { deliverHttpBatch, type HttpRefusal } from './http-batch-delivery.js';
import { sinkHttpAgent } from './http-dispatcher.js';
import type { WebhookSinkConfig } from './sink-config.js';
import type { SinkDelivery } from './sink-delivery.js';
import type { ExportableEvent } from './siem-record.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/**
 * POSTs `{"events":[…]}` (the event envelopes as on Kafka), signed with HMAC-SHA256. Retries,
 * 413 splitting and configuration failures as for every HTTP sink: deliverHttpBatch.
 */
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
    await deliverHttpBatch('webhook', events, (piece) => this.#post(piece));
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #post(events: readonly ExportableEvent[]): Promise<HttpRefusal | null> {
    const body = JSON.stringify({ events });
    const response = await request(this.config.url, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(this.secret.secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    // The receiver's body is not shown: it is not ours to put in the status.
    await response.body.dump().catch(() => undefined);
    if (response.statusCode >= 200 && response.statusCode < 300) return null;
    return { status: response.statusCode, headers: response.headers, detail: '' };
  }
}
