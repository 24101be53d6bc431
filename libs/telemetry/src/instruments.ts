import { isSpanContextValid, metrics, trace, type Meter, type Tracer } from '@opentelemetry/api';

/**
 * A meter from the global provider. Safe to call before startTelemetry: the API hands out a
 * no-op meter until an SDK registers, so keep instruments created after start-up.
 */
export function getMeter(name: string, version?: string): Meter {
  return metrics.getMeter(name, version);
}

/** A tracer from the global provider; it follows the SDK registered later (a proxy). */
export function getTracer(name: string, version?: string): Tracer {
  return trace.getTracer(name, version);
}

/** The active span's W3C trace id, for event envelopes; null outside a sampled or valid span. */
export function currentTraceId(): string | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : null;
}
