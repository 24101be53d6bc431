import { ConfigError } from '@portcullis/config';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';

describe('gateway configuration', () => {
  it('lowers the event producer thread by 10 unless told otherwise', () => {
    expect(loadGatewayConfig({}).GATEWAY_EVENTS_THREAD_NICENESS).toBe(10);
    expect(
      loadGatewayConfig({ GATEWAY_EVENTS_THREAD_NICENESS: '0' }).GATEWAY_EVENTS_THREAD_NICENESS,
    ).toBe(0);
  });

  it('refuses a niceness outside 0 to 19, naming the variable', () => {
    for (const value of ['20', '-1', '2.5', 'low']) {
      let thrown: unknown;
      try {
        loadGatewayConfig({ GATEWAY_EVENTS_THREAD_NICENESS: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).issues).toEqual([
        { variable: 'GATEWAY_EVENTS_THREAD_NICENESS', problem: expect.any(String) as string },
      ]);
    }
  });
});
