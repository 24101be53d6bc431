export { createLogger, type CreateLoggerOptions } from './logger.js';
export { currentTraceId, getMeter, getTracer } from './instruments.js';
export { REDACTED, SECRET_KEYS, secretRedactionPaths } from './secret-redaction.js';
export {
  startTelemetry,
  type StartTelemetryOptions,
  type TelemetryHandle,
} from './start-telemetry.js';
export {
  readTelemetryConfig,
  TelemetryConfigError,
  type ExporterKind,
  type TelemetryConfig,
} from './telemetry-config.js';
