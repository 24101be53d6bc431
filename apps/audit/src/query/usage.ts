import { problems } from '@portcullis/nest-service';
import { z } from 'zod';
import type { AccessScope } from '../auth/access-scope.js';
import type { AuditDb } from '../store/audit-db.js';
import { WhereBuilder } from './event-search.js';

const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const MAX_BUCKETS = 10_000;

export const usageQuerySchema = z
  .strictObject({
    apiId: z.string().min(1).max(256).optional(),
    appId: z.string().min(1).max(256).optional(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    bucket: z.enum(['minute', 'hour', 'day']).default('hour'),
  })
  .refine((value) => new Date(value.from) < new Date(value.to), {
    error: 'from must be before to',
    path: ['from'],
  });
export type UsageQuery = z.infer<typeof usageQuerySchema>;

export interface UsageBucket {
  start: string;
  requests: number;
  /** Responses with status >= 500. */
  errors: number;
  /** Requests the gateway denied. */
  denied: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

export interface UsageReport {
  from: string;
  to: string;
  bucket: UsageQuery['bucket'];
  apiId: string | null;
  appId: string | null;
  buckets: UsageBucket[];
}

/** Gateway traffic per time bucket (UTC), every bucket present (zeros where nothing happened). */
export async function usage(
  db: AuditDb,
  query: UsageQuery,
  scope: AccessScope,
): Promise<UsageReport> {
  const size = BUCKET_MS[query.bucket];
  const from = new Date(query.from);
  const to = new Date(query.to);
  const first = Math.floor(from.getTime() / size) * size;
  const count = Math.ceil((to.getTime() - first) / size);
  if (count > MAX_BUCKETS) {
    throw problems.validation([
      {
        path: 'bucket',
        message: `the range spans ${count} buckets; at most ${MAX_BUCKETS} are allowed`,
      },
    ]);
  }
  const where = new WhereBuilder();
  where.clauses.push(`type = 'gateway.access'`);
  where.add((p) => `time >= ${p}::timestamptz`, from.toISOString());
  where.add((p) => `time < ${p}::timestamptz`, to.toISOString());
  if (query.apiId) where.add((p) => `api_id = ${p}`, query.apiId);
  if (query.appId) where.add((p) => `app_id = ${p}`, query.appId);
  where.scope(scope);
  where.params.push(query.bucket);
  const unit = `$${where.params.length}`;
  const { rows } = await db.query<{
    start: Date;
    requests: string;
    errors: string;
    denied: string;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }>(
    `SELECT date_trunc(${unit}, time, 'UTC') AS start,
            count(*) AS requests,
            count(*) FILTER (WHERE status >= 500) AS errors,
            count(*) FILTER (WHERE decision = 'deny') AS denied,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
       FROM audit.audit_events ${where.sql}
      GROUP BY 1`,
    where.params,
  );
  const byStart = new Map(rows.map((row) => [row.start.getTime(), row]));
  const buckets: UsageBucket[] = [];
  for (let index = 0; index < count; index++) {
    const start = first + index * size;
    const row = byStart.get(start);
    buckets.push({
      start: new Date(start).toISOString(),
      requests: Number(row?.requests ?? 0),
      errors: Number(row?.errors ?? 0),
      denied: Number(row?.denied ?? 0),
      latencyMs: { p50: row?.p50 ?? null, p95: row?.p95 ?? null, p99: row?.p99 ?? null },
    });
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bucket: query.bucket,
    apiId: query.apiId ?? null,
    appId: query.appId ?? null,
    buckets,
  };
}
