import type { EventPublisher } from '@portcullis/kafka';
import { getMeter } from '@portcullis/telemetry';
import type { RequestContext } from '../pipeline/request-context.js';

/** Request count, latency and decisions by reason; the event spool depth as a gauge. */
export class GatewayMetrics {
  readonly #meter = getMeter('portcullis-gateway');
  readonly #requests = this.#meter.createCounter('gateway.requests', {
    description: 'Requests handled, by decision and reason',
  });
  readonly #duration = this.#meter.createHistogram('gateway.request.duration', {
    description: 'Time from request to response end',
    unit: 'ms',
  });

  constructor(producer: EventPublisher) {
    this.#meter
      .createObservableGauge('gateway.events.spool_depth', {
        description: 'Access events waiting on disk for Kafka',
      })
      .addCallback((result) => result.observe(producer.spoolDepth));
  }

  record(context: RequestContext, totalMs: number): void {
    const attributes = {
      decision: context.reason === 'ok' ? 'allow' : 'deny',
      reason: context.reason,
      api: context.api?.api.slug ?? 'none',
      status_class: `${Math.floor(context.status / 100)}xx`,
    };
    this.#requests.add(1, attributes);
    this.#duration.record(totalMs, attributes);
  }
}
