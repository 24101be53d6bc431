import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';
import { z } from 'zod';
import { REDACTED, secretRedactionPaths } from './secret-redaction.js';

export interface CreateLoggerOptions {
  /** The service (or component) name, written as `service` on every line. */
  name: string;
  /** A pino level; defaults to LOG_LEVEL, then `info`. */
  level?: string;
}

const levelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

// Compiled once: pino builds a redaction function per logger from these paths.
const redactPaths = secretRedactionPaths();

/**
 * A JSON logger for services. Each line carries `service`, and, inside an active span, the
 * span's `trace_id`, `span_id` and `trace_flags` (the names OpenTelemetry's log data model uses),
 * so that logs join traces. Secret-bearing keys are redacted (see SECRET_KEYS).
 *
 * `destination` defaults to stdout; tests pass a stream to read what was written.
 */
export function createLogger(
  options: CreateLoggerOptions,
  destination?: DestinationStream,
): Logger {
  const level = parseLevel(options.level ?? process.env.LOG_LEVEL);
  const loggerOptions = {
    level,
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactPaths, censor: REDACTED },
    mixin: traceContextFields,
  };
  return destination ? pino(loggerOptions, destination) : pino(loggerOptions);
}

function traceContextFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: spanContext.traceFlags.toString(16).padStart(2, '0'),
  };
}

function parseLevel(value: string | undefined): z.infer<typeof levelSchema> {
  const trimmed = value?.trim().toLowerCase();
  if (trimmed === undefined || trimmed === '') return 'info';
  const parsed = levelSchema.safeParse(trimmed);
  if (!parsed.success) {
    throw new Error(`LOG_LEVEL must be one of ${levelSchema.options.join(', ')}`);
  }
  return parsed.data;
}
