import { createRequire, syncBuiltinESMExports } from 'node:module';
import {
  context,
  diag,
  metrics,
  propagation,
  ProxyTracerProvider,
  trace,
} from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter,
  PeriodicExportingMetricReader,
  type IMetricReader,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { readTelemetryConfig, type TelemetryConfig } from './telemetry-config.js';

export interface StartTelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Where the OTEL_* exporter variables are read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Server spans for incoming HTTP requests from the generic instrumentation (default true). A
   * service that makes its own server spans on a hot path (the gateway) turns it off; outgoing
   * requests stay instrumented either way.
   */
  incomingHttpSpans?: boolean;
  /**
   * Paths whose handlers make their own server spans (identity's token endpoint, served before
   * Fastify sees the request): the generic instrumentation leaves requests to them alone.
   */
  ownServerSpanPaths?: readonly string[];
}

export interface TelemetryHandle {
  /** Flushes what is buffered (bounded by the OTLP timeout) and unregisters the SDK. Never rejects. */
  shutdown(): Promise<void>;
}

type Instrumentation = Exclude<NodeSDKConfiguration['instrumentations'][number], unknown[]>;

/** Health probes arrive every few seconds and would drown real traffic in traces. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/livez', '/metrics']);

/** Query parameters that carry credentials, redacted from span URLs (on top of the SDK's own list). */
const SECRET_QUERY_PARAMS = [
  'access_token',
  'api_key',
  'apikey',
  'client_secret',
  'code',
  'id_token',
  'key',
  'password',
  'refresh_token',
  'sig',
  'Signature',
  'token',
  'AWSAccessKeyId',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'X-Goog-Signature',
];

// On globalThis rather than in a module variable, so that two copies of this module (source and
// dist, say) still share one SDK — the OpenTelemetry API's own globals work the same way.
const STATE_KEY = Symbol.for('@portcullis/telemetry.state');
// Instrumentations live as long as the process: the require hook patches `http` only on the first
// instance's load, so a restarted SDK must re-enable the same instances rather than make new ones.
const INSTRUMENTATIONS_KEY = Symbol.for('@portcullis/telemetry.instrumentations');
// Read by the instrumentation on every request, so a later start can still add paths to it.
const UNTRACED_PATHS_KEY = Symbol.for('@portcullis/telemetry.untracedPaths');
type GlobalWithState = typeof globalThis & {
  [STATE_KEY]?: Promise<TelemetryHandle>;
  [UNTRACED_PATHS_KEY]?: Set<string>;
  [INSTRUMENTATIONS_KEY]?: Promise<Instrumentation[]>;
};

/**
 * Starts the OpenTelemetry Node SDK (traces, metrics, W3C trace-context propagation, http
 * instrumentation). Call it first thing in a service's entry point, before importing modules that
 * load `http`, so that instrumentation can patch it.
 *
 * Calling it again returns the same handle. An unreachable collector never crashes the process:
 * export failures are reported through the OpenTelemetry diag logger (enable with OTEL_LOG_LEVEL).
 * Invalid OTEL_* values reject with a TelemetryConfigError.
 */
export function startTelemetry(options: StartTelemetryOptions): Promise<TelemetryHandle> {
  const global = globalThis as GlobalWithState;
  const existing = global[STATE_KEY];
  if (existing) return existing;
  const starting = start(options, () => {
    if (global[STATE_KEY] === starting) delete global[STATE_KEY];
  });
  global[STATE_KEY] = starting;
  // A failed start must not poison later attempts.
  starting.catch(() => {
    if (global[STATE_KEY] === starting) delete global[STATE_KEY];
  });
  return starting;
}

async function start(options: StartTelemetryOptions, forget: () => void): Promise<TelemetryHandle> {
  const config = readTelemetryConfig(options.env ?? process.env);
  const global = globalThis as GlobalWithState;
  global[UNTRACED_PATHS_KEY] ??= new Set(PROBE_PATHS);
  for (const path of options.ownServerSpanPaths ?? []) global[UNTRACED_PATHS_KEY].add(path);
  global[INSTRUMENTATIONS_KEY] ??= createInstrumentations(
    options.incomingHttpSpans ?? true,
    global[UNTRACED_PATHS_KEY],
  );
  const instrumentations = await global[INSTRUMENTATIONS_KEY];

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: options.serviceVersion
      ? defaultResource().merge(
          resourceFromAttributes({ [ATTR_SERVICE_VERSION]: options.serviceVersion }),
        )
      : defaultResource(),
    spanProcessors: spanProcessorsFor(config),
    metricReaders: metricReadersFor(config),
    // Logs go to stdout through pino; an OTLP log pipeline would be a second, unasked-for copy.
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  // The SDK enables only instrumentations configured as disabled; an earlier shutdown may have
  // disabled ours.
  for (const instrumentation of instrumentations) instrumentation.enable();
  patchBuiltinHttpModules();

  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= (async () => {
        try {
          await withTimeout(
            flushTraces().then(() => sdk.shutdown()),
            config.otlpTimeoutMillis + 1_000,
          );
        } catch (error) {
          diag.warn('Telemetry shutdown did not complete cleanly', error);
        } finally {
          for (const instrumentation of instrumentations) instrumentation.disable();
          trace.disable();
          metrics.disable();
          propagation.disable();
          context.disable();
          forget();
        }
      })();
      return stopping;
    },
  };
}

async function createInstrumentations(
  incomingHttpSpans: boolean,
  untracedPaths: ReadonlySet<string>,
): Promise<Instrumentation[]> {
  return [
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: !incomingHttpSpans,
      ignoreIncomingRequestHook: (request) => untracedPaths.has(pathOf(request.url)),
      redactedQueryParams: SECRET_QUERY_PARAMS,
      redactedQueryParamsServer: SECRET_QUERY_PARAMS,
    }),
    ...(await loadUndiciInstrumentation()),
  ];
}

/** Shutting the tracer provider down drops spans still on their way to a simple processor's exporter. */
async function flushTraces(): Promise<void> {
  const global = trace.getTracerProvider();
  const provider: object =
    global instanceof ProxyTracerProvider ? global.getDelegate() : (global as object);
  if ('forceFlush' in provider && typeof provider.forceFlush === 'function') {
    await (provider.forceFlush as () => Promise<void>).call(provider);
  }
}

function spanProcessorsFor(config: TelemetryConfig): SpanProcessor[] {
  // With no exporter the SDK still creates real spans, so trace ids reach logs and `traceparent`
  // reaches downstream services; they are simply not sent anywhere.
  if (config.traces.length === 0) return [new NoopSpanProcessor()];
  return config.traces.map((kind) =>
    kind === 'otlp'
      ? new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({
            url: config.otlpTracesUrl,
            timeoutMillis: config.otlpTimeoutMillis,
          }),
        })
      : new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }),
  );
}

function metricReadersFor(config: TelemetryConfig): IMetricReader[] {
  return config.metrics.map(
    (kind) =>
      new PeriodicExportingMetricReader({
        exporter:
          kind === 'otlp'
            ? new OTLPMetricExporter({
                url: config.otlpMetricsUrl,
                timeoutMillis: config.otlpTimeoutMillis,
              })
            : new ConsoleMetricExporter(),
        exportIntervalMillis: config.metricExportIntervalMillis,
        exportTimeoutMillis: Math.min(config.otlpTimeoutMillis, config.metricExportIntervalMillis),
      }),
  );
}

/**
 * Instrumentation patches `http`/`https` when they are `require`d. ESM `import` does not pass that
 * hook, so require them once here and push the patched functions into the ESM bindings.
 */
function patchBuiltinHttpModules(): void {
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();
}

/** Undici (and so `fetch`) is traced only when its instrumentation package is installed. */
async function loadUndiciInstrumentation(): Promise<Instrumentation[]> {
  // A variable, so that neither TypeScript nor a bundler insists that the package exists.
  const specifier = '@opentelemetry/instrumentation-undici';
  try {
    const module = (await import(specifier)) as {
      UndiciInstrumentation?: new () => Instrumentation;
    };
    return module.UndiciInstrumentation ? [new module.UndiciInstrumentation()] : [];
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return [];
    throw error;
  }
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function withTimeout(work: Promise<void>, millis: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Timed out after ${millis} ms`)),
      millis,
    ).unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
