import { describe, expect, it } from 'vitest';
import { sinkHealth } from './sink-health';

describe('sinkHealth', () => {
  it('says Disabled for a paused sink, whatever its last error', () => {
    expect(sinkHealth({ enabled: false, status: { healthy: false } }).label).toBe('Disabled');
  });

  it('tells a misconfigured destination from one that is down', () => {
    const at = '2026-11-29T10:00:00.000Z';
    expect(
      sinkHealth({ lastErrorAt: at, status: { healthy: false, errorKind: 'configuration' } }),
    ).toEqual({ status: 'error', label: 'Misconfigured' });
    expect(
      sinkHealth({ lastErrorAt: at, status: { healthy: false, errorKind: 'delivery' } }),
    ).toEqual({ status: 'error', label: 'Failing' });
  });

  it('falls back to the stored last error without a live status', () => {
    expect(sinkHealth({ lastErrorAt: '2026-11-29T10:00:00.000Z' }).label).toBe('Failing');
    expect(sinkHealth({ lastErrorAt: null }).label).toBe('Healthy');
    expect(sinkHealth({ status: { healthy: true, errorKind: null } }).label).toBe('Healthy');
  });
});
