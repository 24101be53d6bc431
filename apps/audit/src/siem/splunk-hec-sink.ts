import { hostname } from 'node:os';
import { request, type Agent } from 'undici';
import { deliverHttpBatch, type HttpRefusal } from './http-batch-delivery.js';
import { sinkHttpAgent } from './http-dispatcher.js';
import type { SplunkHecSinkConfig } from './sink-config.js';
import type { SinkDelivery } from './sink-delivery.js';
import type { ExportableEvent } from './siem-record.js';

/** HEC's "Server is busy": the indexer queue is full, which passes. */
const HEC_SERVER_BUSY = 9;

/**
 * Splunk HTTP Event Collector: one POST per batch to the collector's event endpoint, the body
 * being the events' JSON objects concatenated (`{time, host, source, sourcetype, index?, event}`),
 * with `Authorization: Splunk <token>`. Which answers are retried, split or reported as a
 * configuration problem: deliverHttpBatch.
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
    this.#endpoint = hecEndpoint(config.url);
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
    await deliverHttpBatch('Splunk HEC', events, (piece) => this.#post(piece));
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #post(events: readonly ExportableEvent[]): Promise<HttpRefusal | null> {
    const response = await request(this.#endpoint, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: {
        authorization: `Splunk ${this.secret.token}`,
        'content-type': 'application/json',
      },
      body: this.body(events),
    });
    const text = await response.body.text().catch(() => '');
    if (response.statusCode >= 200 && response.statusCode < 300) return null;
    const answer = hecAnswer(text);
    return {
      status: response.statusCode,
      headers: response.headers,
      detail: answer
        ? `: ${answer.text}${typeof answer.code === 'number' ? ` (code ${answer.code})` : ''}`
        : '',
      busy: answer?.code === HEC_SERVER_BUSY,
    };
  }
}

/**
 * The collector endpoint for a configured URL. A path that already names the collector
 * (`…/services/collector`, `…/services/collector/event` or `…/event/1.0`) is used as it is
 * (the raw endpoint is refused by the sink's settings); any other path
 * (none, or a reverse proxy's prefix such as `/splunk`) gets `/services/collector/event` appended.
 * The query (e.g. `?channel=…`) is kept.
 */
export function hecEndpoint(configured: string): string {
  const url = new URL(configured);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = /\/services\/collector(\/event(\/1\.0)?)?$/.test(path)
    ? path
    : `${path}/services/collector/event`;
  url.hash = '';
  return url.toString();
}

/** HEC's `{"text":…,"code":…}` (never echoes the token), the text shortened for the status. */
function hecAnswer(body: string): { text: string; code: unknown } | null {
  try {
    const parsed = JSON.parse(body) as { text?: unknown; code?: unknown };
    if (typeof parsed.text === 'string') {
      return { text: parsed.text.slice(0, 200), code: parsed.code };
    }
  } catch {
    // not JSON
  }
  return null;
}
