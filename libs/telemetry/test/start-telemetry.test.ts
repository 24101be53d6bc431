import http, { request as namedRequest } from 'node:http';
import { context, isValidSpanId, isValidTraceId, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getMeter, getTracer, startTelemetry, type TelemetryHandle } from '../src/index.js';
import { closedPort, startRecordingServer, type RecordedRequest } from './recording-server.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

let handle: TelemetryHandle | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
}

/** SPAN_KIND_SERVER in OTLP's enum. */
const SERVER_KIND = 2;

function exportedSpans(requests: RecordedRequest[]): { serviceNames: string[]; spans: OtlpSpan[] } {
  const serviceNames: string[] = [];
  const spans: OtlpSpan[] = [];
  for (const request of requests.filter((r) => r.path === '/v1/traces')) {
    const body = JSON.parse(request.body) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: OtlpSpan[] }[];
      }[];
    };
    for (const resourceSpans of body.resourceSpans) {
      for (const attribute of resourceSpans.resource.attributes) {
        if (attribute.key === 'service.name' && attribute.value.stringValue) {
          serviceNames.push(attribute.value.stringValue);
        }
      }
      for (const scopeSpans of resourceSpans.scopeSpans) spans.push(...scopeSpans.spans);
    }
  }
  return { serviceNames, spans };
}

function exportedMetricNames(requests: RecordedRequest[]): string[] {
  return requests
    .filter((r) => r.path === '/v1/metrics')
    .flatMap((r) => {
      const body = JSON.parse(r.body) as {
        resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[];
      };
      return body.resourceMetrics.flatMap((rm) =>
        rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name)),
      );
    });
}

function get(url: string, send: typeof namedRequest = http.request): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = send(url, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('startTelemetry', () => {
  it('works with no exporter configured: real spans, W3C propagation, clean shutdown', async () => {
    handle = await startTelemetry({ serviceName: 'no-exporter-test', env: {} });

    const carrier: Record<string, string> = {};
    const spanContext = getTracer('test').startActiveSpan('work', (span) => {
      propagation.inject(context.active(), carrier);
      span.end();
      return span.spanContext();
    });

    expect(isValidTraceId(spanContext.traceId)).toBe(true);
    expect(isValidSpanId(spanContext.spanId)).toBe(true);
    expect(carrier.traceparent).toBe(`00-${spanContext.traceId}-${spanContext.spanId}-01`);
    await expect(handle.shutdown()).resolves.toBeUndefined();
  });

  it('returns the same handle when called twice, and a new one after shutdown', async () => {
    const first = startTelemetry({ serviceName: 'idempotent-test', env: {} });
    const second = startTelemetry({ serviceName: 'idempotent-test', env: {} });
    expect(second).toBe(first);
    handle = await first;
    expect(await second).toBe(handle);

    await handle.shutdown();
    // A second shutdown is harmless.
    await expect(handle.shutdown()).resolves.toBeUndefined();
    expect(trace.getActiveSpan()).toBeUndefined();

    handle = await startTelemetry({ serviceName: 'idempotent-test', env: {} });
    expect(handle).not.toBe(await first);
  });

  it('exports spans to the console when OTEL_TRACES_EXPORTER=console', async () => {
    const printed: unknown[] = [];
    vi.spyOn(console, 'dir').mockImplementation((item: unknown) => void printed.push(item));
    handle = await startTelemetry({
      serviceName: 'console-test',
      serviceVersion: '1.2.3',
      env: { OTEL_TRACES_EXPORTER: 'console' },
    });

    const spanContext = getTracer('test').startActiveSpan('printed span', (span) => {
      span.end();
      return span.spanContext();
    });
    // The exporter prints once the span's resource has settled; shutdown waits for that.
    await handle.shutdown();
    handle = undefined;

    expect(printed).toContainEqual(
      expect.objectContaining({
        name: 'printed span',
        traceId: spanContext.traceId,
        id: spanContext.spanId,
        resource: {
          attributes: expect.objectContaining({
            'service.name': 'console-test',
            'service.version': '1.2.3',
          }),
        },
      }),
    );
  });

  it('exports traces and metrics over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const collector = await startRecordingServer();
    cleanups.push(collector.close);
    handle = await startTelemetry({
      serviceName: 'otlp-test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });

    getMeter('test').createCounter('portcullis.test.requests').add(3);
    const spanContext = getTracer('test').startActiveSpan('exported span', (span) => {
      span.end();
      return span.spanContext();
    });
    await handle.shutdown();
    handle = undefined;

    const { serviceNames, spans } = exportedSpans(collector.requests);
    expect(spans).toContainEqual(
      expect.objectContaining({
        name: 'exported span',
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
      }),
    );
    expect(serviceNames).toContain('otlp-test');
    expect(exportedMetricNames(collector.requests)).toContain('portcullis.test.requests');
  });

  it('instruments node:http imported as ESM: outgoing requests carry traceparent and make spans', async () => {
    const upstream = await startRecordingServer();
    cleanups.push(upstream.close);
    const collector = await startRecordingServer();
    cleanups.push(collector.close);
    handle = await startTelemetry({
      serviceName: 'http-test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_METRICS_EXPORTER: 'none' },
    });

    const parent = await getTracer('test').startActiveSpan('caller', async (span) => {
      await get(`${upstream.url}/default-import`);
      await get(`${upstream.url}/named-import`, namedRequest);
      span.end();
      return span.spanContext();
    });
    await handle.shutdown();
    handle = undefined;

    expect(upstream.requests.map((r) => r.path)).toEqual(['/default-import', '/named-import']);
    for (const received of upstream.requests) {
      const match = TRACEPARENT.exec(String(received.headers.traceparent));
      expect(match?.[1], received.path).toBe(parent.traceId);
      expect(match?.[2], received.path).not.toBe(parent.spanId);
    }
    const clientSpans = exportedSpans(collector.requests).spans.filter(
      (span) => span.traceId === parent.traceId && span.name === 'GET',
    );
    expect(clientSpans.length).toBeGreaterThanOrEqual(2);
    expect(metricsRequested(collector.requests)).toBe(false);
  });

  /** Calls `paths` on a traced server under one parent span; counts the server spans exported. */
  async function serverSpansFor(
    paths: string[],
    ownServerSpanPaths?: string[],
  ): Promise<{ served: number; serverSpans: number }> {
    const collector = await startRecordingServer();
    cleanups.push(collector.close);
    handle = await startTelemetry({
      serviceName: 'incoming-test',
      ...(ownServerSpanPaths ? { ownServerSpanPaths } : {}),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_METRICS_EXPORTER: 'none' },
    });
    const service = await startRecordingServer();
    cleanups.push(service.close);
    const parent = await getTracer('test').startActiveSpan('caller', async (span) => {
      for (const path of paths) await get(`${service.url}${path}`);
      span.end();
      return span.spanContext();
    });
    await handle.shutdown();
    handle = undefined;
    const serverSpans = exportedSpans(collector.requests).spans.filter(
      (span) => span.traceId === parent.traceId && span.kind === SERVER_KIND,
    );
    return { served: service.requests.length, serverSpans: serverSpans.length };
  }

  it('traces incoming requests but not health probes', async () => {
    expect(await serverSpansFor(['/healthz', '/readyz?verbose=1', '/v1/things'])).toEqual({
      served: 3,
      serverSpans: 1,
    });
  });

  it('leaves paths whose handlers make their own server spans to those handlers', async () => {
    const paths = ['/oauth2/token', '/oauth2/token?x=1', '/oauth2/introspect'];
    expect(await serverSpansFor(paths, ['/oauth2/token'])).toEqual({ served: 3, serverSpans: 1 });
  });

  it('keeps running and shuts down when the collector is unreachable', async () => {
    const port = await closedPort();
    handle = await startTelemetry({
      serviceName: 'unreachable-test',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      },
    });

    getMeter('test').createCounter('portcullis.test.lost').add(1);
    const spanContext = getTracer('test').startActiveSpan('lost span', (span) => {
      span.end();
      return span.spanContext();
    });

    expect(isValidTraceId(spanContext.traceId)).toBe(true);
    await expect(handle.shutdown()).resolves.toBeUndefined();
  });

  it('rejects invalid exporter settings instead of silently exporting nothing', async () => {
    await expect(
      startTelemetry({ serviceName: 'bad-config', env: { OTEL_TRACES_EXPORTER: 'jaeger' } }),
    ).rejects.toThrow(/OTEL_TRACES_EXPORTER/);
    // The failed attempt leaves nothing behind.
    handle = await startTelemetry({ serviceName: 'after-bad-config', env: {} });
    expect(handle).toBeDefined();
  });
});

function metricsRequested(requests: RecordedRequest[]): boolean {
  return requests.some((r) => r.path === '/v1/metrics');
}
