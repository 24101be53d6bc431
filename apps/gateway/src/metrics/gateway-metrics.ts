import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EventPublisher } from '@portcullis/kafka';
import { getMeter } from '@portcullis/telemetry';
import type { RequestContext } from '../pipeline/request-context.js';

/** How often the event loop's delay is sampled. */
const DELAY_SAMPLE_MS = 10;

/**
 * Request count, latency and decisions by reason; the event spool depth and the event loop's delay
 * as gauges. The delay is what a request waits before the gateway can start on it: when p99
 * latency rises while the upstream's does not, this says whether the gateway's own loop (or the
 * cores it shares) is the cause.
 */
export class GatewayMetrics {
  readonly #meter = getMeter('portcullis-gateway');
  readonly #requests = this.#meter.createCounter('gateway.requests', {
    description: 'Requests handled, by decision and reason',
  });
  readonly #duration = this.#meter.createHistogram('gateway.request.duration', {
    description: 'Time from request to response end',
    unit: 'ms',
  });

  // Sampled by a native timer (unreferenced: it never keeps the process up).
  readonly #eventLoopDelay = monitorEventLoopDelay({ resolution: DELAY_SAMPLE_MS });

  constructor(producer: EventPublisher) {
    this.#meter
      .createObservableGauge('gateway.events.spool_depth', {
        description: 'Access events waiting on disk for Kafka',
      })
      .addCallback((result) => result.observe(producer.spoolDepth));
    this.#observeEventLoopDelay();
  }

  /** OpenTelemetry's Node.js runtime names, over each export interval (reset after each read). */
  #observeEventLoopDelay(): void {
    const gauge = (name: string, which: string) =>
      this.#meter.createObservableGauge(name, {
        description: `${which} event loop delay since the previous export`,
        unit: 's',
      });
    const p50 = gauge('nodejs.eventloop.delay.p50', 'Median');
    const p99 = gauge('nodejs.eventloop.delay.p99', '99th percentile');
    const max = gauge('nodejs.eventloop.delay.max', 'Longest');
    const histogram = this.#eventLoopDelay;
    histogram.enable();
    this.#meter.addBatchObservableCallback(
      (result) => {
        if (histogram.count === 0) return;
        // Nanoseconds; each sample includes the sampling interval itself, which is not delay.
        const delaySeconds = (ns: number) => Math.max(0, (ns / 1e6 - DELAY_SAMPLE_MS) / 1000);
        result.observe(p50, delaySeconds(histogram.percentile(50)));
        result.observe(p99, delaySeconds(histogram.percentile(99)));
        result.observe(max, delaySeconds(histogram.max));
        histogram.reset();
      },
      [p50, p99, max],
    );
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
