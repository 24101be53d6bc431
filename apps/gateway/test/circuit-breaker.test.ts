import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/proxy/circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, half-opens after the cool-down, closes on success', () => {
    const breaker = new CircuitBreaker(3, 1_000);
    breaker.failure(0);
    breaker.failure(0);
    breaker.success();
    breaker.failure(0);
    breaker.failure(0);
    expect(breaker.tryAcquire(0)).toBe(true);
    breaker.failure(10);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire(500)).toBe(false);
    expect(breaker.retryAfterSeconds(500)).toBe(1);
    expect(breaker.tryAcquire(1_010)).toBe(true);
    expect(breaker.state).toBe('half-open');
    // Only one trial at a time.
    expect(breaker.tryAcquire(1_011)).toBe(false);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire(1_012)).toBe(true);
  });

  it('re-opens when the half-open trial fails', () => {
    const breaker = new CircuitBreaker(1, 100);
    breaker.failure(0);
    expect(breaker.tryAcquire(100)).toBe(true);
    breaker.failure(100);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire(150)).toBe(false);
  });

  it('lets the next request be the trial when the trial ends with no verdict', () => {
    const breaker = new CircuitBreaker(1, 100);
    breaker.failure(0);
    expect(breaker.tryAcquire(100)).toBe(true);
    expect(breaker.tryAcquire(101)).toBe(false);
    // The trial's client hung up before the upstream answered.
    breaker.release();
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire(102)).toBe(true);
    expect(breaker.tryAcquire(103)).toBe(false);
    breaker.success();
    expect(breaker.tryAcquire(104)).toBe(true);
  });
});
