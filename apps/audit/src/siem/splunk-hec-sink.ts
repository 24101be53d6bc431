import { hostname } from 'node:os';
import { request, type Agent } from 'undici';
import { retryAfterSeconds, sinkHttpAgent } from './http-dispatcher.js';
import type { SplunkHecSinkConfig } from './sink-config.js';
import { SinkDeliveryError, type SinkDelivery } from './sink-delivery.js';
import type { ExportableEvent } from './siem-record.js';

/**
 * Splunk HTTP Event Collector: one POST to /services/collector/event per batch, the body being
 * the events' JSON objects concatenated (`{time, host, source, sourcetype, index?, event}`), with
 * `Authorization: Splunk <token>`. Anything but 2xx fails the batch; 429 and 503 carry
 * Retry-After when Splunk sends one.
 */
export class SplunkHecSink implements SinkDelivery {
  readonly batchSize: number;
  readonly #agent: Agent;
  readonly #endpoint: string;

  constructor(
    private readonly config: SplunkHecSinkConfig,
    private readonly secret: { token: string },
  ) {
    this.batchSize = config.batchSize;
    this.#agent = sinkHttpAgent(config);
    this.#endpoint = new URL('/services/collector/event', config.url).toString();
  }

  body(events: readonly ExportableEvent[]): string {
    const host = this.config.host ?? hostname();
    return events
      .map((event) =>
        JSON.stringify({
          time: Date.parse(event.time) / 1000,
          host,
          source: this.config.source,
          sourcetype: this.config.sourcetype,
          ...(this.config.index ? { index: this.config.index } : {}),
          event,
        }),
      )
      .join('\n');
  }

  async deliver(events: readonly ExportableEvent[]): Promise<void> {
    if (events.length === 0) return;
    let response;
    try {
      response = await request(this.#endpoint, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: {
          authorization: `Splunk ${this.secret.token}`,
          'content-type': 'application/json',
        },
        body: this.body(events),
      });
    } catch (error) {
      throw new SinkDeliveryError(
        `Splunk HEC unreachable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const text = await response.body.text().catch(() => '');
    if (response.statusCode >= 200 && response.statusCode < 300) return;
    throw new SinkDeliveryError(
      `Splunk HEC answered ${response.statusCode}${hecText(text)}`,
      retryAfterSeconds(response.headers['retry-after']),
    );
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** HEC's `{"text":…,"code":…}` (never echoes the token), shortened for the status field. */
function hecText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { text?: unknown; code?: unknown };
    if (typeof parsed.text === 'string') {
      return `: ${parsed.text.slice(0, 200)} (code ${String(parsed.code)})`;
    }
  } catch {
    // not JSON
  }
  return '';
}
