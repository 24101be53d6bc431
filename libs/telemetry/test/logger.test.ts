import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, getTracer, startTelemetry, type TelemetryHandle } from '../src/index.js';
import { captureLines } from './log-capture.js';

describe('createLogger', () => {
  let telemetry: TelemetryHandle;

  beforeAll(async () => {
    // No exporter: spans are still real, which is what puts trace ids into logs in production.
    telemetry = await startTelemetry({ serviceName: 'logger-test', env: {} });
  });

  afterAll(async () => {
    await telemetry.shutdown();
  });

  it('writes the trace and span id of the active span', () => {
    const { destination, lines } = captureLines();
    const logger = createLogger({ name: 'identity', level: 'info' }, destination);

    const spanContext = getTracer('logger-test').startActiveSpan('handle request', (span) => {
      logger.info({ route: '/oauth2/token' }, 'token issued');
      span.end();
      return span.spanContext();
    });

    expect(isValidTraceId(spanContext.traceId)).toBe(true);
    expect(isValidSpanId(spanContext.spanId)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'identity',
      msg: 'token issued',
      route: '/oauth2/token',
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
      trace_flags: '01',
    });
  });

  it('follows the innermost active span', () => {
    const { destination, lines } = captureLines();
    const logger = createLogger({ name: 'gateway', level: 'info' }, destination);
    const tracer = getTracer('logger-test');

    const [outer, inner] = tracer.startActiveSpan('outer', (outerSpan) => {
      const innerContext = tracer.startActiveSpan('inner', (innerSpan) => {
        logger.info('inside inner');
        innerSpan.end();
        return innerSpan.spanContext();
      });
      logger.info('back in outer');
      outerSpan.end();
      return [outerSpan.spanContext(), innerContext] as const;
    });

    expect(inner.traceId).toBe(outer.traceId);
    expect(lines.map((line) => line.span_id)).toEqual([inner.spanId, outer.spanId]);
  });

  it('writes no trace fields outside a span', () => {
    const { destination, lines } = captureLines();
    createLogger({ name: 'audit', level: 'info' }, destination).info('idle');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'audit', msg: 'idle' });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });

  it('writes ISO timestamps and level names', () => {
    const { destination, lines } = captureLines();
    createLogger({ name: 'audit', level: 'info' }, destination).warn('careful');

    expect(lines[0]?.level).toBe('warn');
    expect(new Date(String(lines[0]?.time)).toISOString()).toBe(lines[0]?.time);
  });

  it('drops lines below the level', () => {
    const { destination, lines } = captureLines();
    const logger = createLogger({ name: 'audit', level: 'warn' }, destination);

    logger.info('not written');
    logger.error('written');

    expect(lines.map((line) => line.msg)).toEqual(['written']);
  });

  it('rejects an unknown level', () => {
    expect(() => createLogger({ name: 'audit', level: 'verbose' })).toThrow(
      /LOG_LEVEL must be one of/,
    );
  });
});
