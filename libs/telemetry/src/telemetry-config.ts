import { z } from 'zod';

/** Where one signal (traces or metrics) goes. */
export type ExporterKind = 'otlp' | 'console' | 'none';

export interface TelemetryConfig {
  traces: readonly ExporterKind[];
  metrics: readonly ExporterKind[];
  /** OTLP/HTTP URLs, already including the signal path (`/v1/traces`, `/v1/metrics`). */
  otlpTracesUrl: string;
  otlpMetricsUrl: string;
  otlpTimeoutMillis: number;
  metricExportIntervalMillis: number;
}

/** The OTLP/HTTP default from the OpenTelemetry specification, used when `otlp` is asked for without an endpoint. */
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

const exporterListSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item !== ''),
  )
  .pipe(z.array(z.enum(['otlp', 'console', 'none'])).min(1));

const httpUrlSchema = z.url({ protocol: /^https?$/ });

const telemetryEnvSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrlSchema.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrlSchema.optional(),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: httpUrlSchema.optional(),
  OTEL_TRACES_EXPORTER: exporterListSchema.optional(),
  OTEL_METRICS_EXPORTER: exporterListSchema.optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: z.coerce.number().int().positive().default(10_000),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().positive().default(60_000),
});

export class TelemetryConfigError extends Error {
  constructor(problems: readonly string[]) {
    super(`Invalid telemetry configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TelemetryConfigError';
  }
}

/**
 * Reads the OTEL_* variables that choose exporters. An explicit OTEL_TRACES_EXPORTER /
 * OTEL_METRICS_EXPORTER wins; otherwise a set OTEL_EXPORTER_OTLP_ENDPOINT means `otlp`, and
 * nothing set means `none`. Bad values stop start-up: a typo must not silently turn telemetry off.
 */
export function readTelemetryConfig(env: NodeJS.ProcessEnv): TelemetryConfig {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(telemetryEnvSchema.shape)) {
    const value = env[key]?.trim();
    input[key] = value === undefined || value === '' ? undefined : value;
  }
  const parsed = telemetryEnvSchema.safeParse(input);
  if (!parsed.success) {
    // Values are not echoed: an endpoint URL may carry credentials.
    throw new TelemetryConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`),
    );
  }
  const vars = parsed.data;
  const fallback: ExporterKind[] = vars.OTEL_EXPORTER_OTLP_ENDPOINT ? ['otlp'] : ['none'];
  const base = (vars.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '');
  return {
    traces: selected(vars.OTEL_TRACES_EXPORTER ?? fallback),
    metrics: selected(vars.OTEL_METRICS_EXPORTER ?? fallback),
    // Per the OTLP exporter spec, a signal-specific endpoint is used as is; the base one gets the signal path.
    otlpTracesUrl: vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base}/v1/traces`,
    otlpMetricsUrl: vars.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? `${base}/v1/metrics`,
    otlpTimeoutMillis: vars.OTEL_EXPORTER_OTLP_TIMEOUT,
    metricExportIntervalMillis: vars.OTEL_METRIC_EXPORT_INTERVAL,
  };
}

/** `none` anywhere in the list turns the signal off, as the OpenTelemetry SDK spec says. */
function selected(kinds: readonly ExporterKind[]): ExporterKind[] {
  if (kinds.includes('none')) return [];
  return [...new Set(kinds)];
}
