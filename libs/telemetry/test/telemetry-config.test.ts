import { describe, expect, it } from 'vitest';
import { readTelemetryConfig, TelemetryConfigError } from '../src/index.js';

describe('readTelemetryConfig', () => {
  it('exports nothing by default', () => {
    const config = readTelemetryConfig({});
    expect(config.traces).toEqual([]);
    expect(config.metrics).toEqual([]);
  });

  it('uses OTLP for both signals when an endpoint is set', () => {
    const config = readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(config.traces).toEqual(['otlp']);
    expect(config.metrics).toEqual(['otlp']);
    expect(config.otlpTracesUrl).toBe('http://collector:4318/v1/traces');
    expect(config.otlpMetricsUrl).toBe('http://collector:4318/v1/metrics');
  });

  it('lets a per-signal exporter setting win over the endpoint', () => {
    const config = readTelemetryConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_METRICS_EXPORTER: 'none',
    });
    expect(config.traces).toEqual(['console']);
    expect(config.metrics).toEqual([]);
  });

  it('accepts lists, and none in a list turns the signal off', () => {
    expect(readTelemetryConfig({ OTEL_TRACES_EXPORTER: 'OTLP, console' }).traces).toEqual([
      'otlp',
      'console',
    ]);
    expect(readTelemetryConfig({ OTEL_TRACES_EXPORTER: 'console,none' }).traces).toEqual([]);
  });

  it('uses signal-specific endpoints as they are', () => {
    const config = readTelemetryConfig({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/custom',
      OTEL_TRACES_EXPORTER: 'otlp',
    });
    expect(config.otlpTracesUrl).toBe('https://traces.example/custom');
    expect(config.otlpMetricsUrl).toBe('http://localhost:4318/v1/metrics');
  });

  it('treats empty variables as unset', () => {
    const config = readTelemetryConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: ' ',
      OTEL_TRACES_EXPORTER: '',
    });
    expect(config.traces).toEqual([]);
  });

  it('names bad variables without echoing their values', () => {
    const attempt = () =>
      readTelemetryConfig({
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:hunter2@collector',
      });
    expect(attempt).toThrow(TelemetryConfigError);
    expect(attempt).toThrow(/OTEL_METRICS_EXPORTER/);
    expect(attempt).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(attempt).not.toThrow(/hunter2/);
  });
});
