/** What the SIEM page shows for a sink's state. */
export interface SinkHealth {
  status: 'ok' | 'error' | 'neutral';
  label: 'Healthy' | 'Failing' | 'Misconfigured' | 'Disabled';
}

interface SinkHealthInput {
  enabled?: boolean | undefined;
  lastErrorAt?: string | null | undefined;
  status?:
    | {
        healthy: boolean;
        errorKind?: 'configuration' | 'delivery' | null | undefined;
      }
    | null
    | undefined;
}

/**
 * A sink the destination refuses as misconfigured (wrong token, unknown index) is told apart from
 * one that is down: only the first needs someone to change a setting. Without the live status
 * (audit unreachable) the stored last error decides.
 */
export function sinkHealth(sink: SinkHealthInput): SinkHealth {
  if (sink.enabled === false) return { status: 'neutral', label: 'Disabled' };
  const healthy = sink.status?.healthy ?? !sink.lastErrorAt;
  if (healthy) return { status: 'ok', label: 'Healthy' };
  return {
    status: 'error',
    label: sink.status?.errorKind === 'configuration' ? 'Misconfigured' : 'Failing',
  };
}
