export const USAGE_RANGES = {
  '1h': { label: 'Last hour', bucket: 'minute', ms: 3600_000 },
  '24h': { label: 'Last 24 hours', bucket: 'hour', ms: 24 * 3600_000 },
  '7d': { label: 'Last 7 days', bucket: 'hour', ms: 7 * 24 * 3600_000 },
  '30d': { label: 'Last 30 days', bucket: 'day', ms: 30 * 24 * 3600_000 },
} as const;
export type UsageRange = keyof typeof USAGE_RANGES;

const BUCKET_MS = { minute: 60_000, hour: 3600_000, day: 24 * 3600_000 } as const;

/** The window ends at the end of the current bucket, so the latest traffic is always inside it. */
export function usageWindow(
  range: UsageRange,
  now = Date.now(),
): { from: string; to: string; bucket: string } {
  const { bucket, ms } = USAGE_RANGES[range];
  const size = BUCKET_MS[bucket];
  const to = Math.ceil((now + 1) / size) * size;
  return { from: new Date(to - ms).toISOString(), to: new Date(to).toISOString(), bucket };
}

export function parseUsageRange(value: unknown): UsageRange {
  return typeof value === 'string' && value in USAGE_RANGES ? (value as UsageRange) : '24h';
}
