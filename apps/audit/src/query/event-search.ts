import type { AccessScope } from '../auth/access-scope.js';
import type { AuditDb } from '../store/audit-db.js';
import {
  STORED_CONTENT_COLUMNS,
  storedContent,
  type StoredContentRow,
} from '../store/stored-row.js';
import type { PagePosition } from './cursor.js';
import type { EventFilters } from './event-filters.js';

/** One stored event as the API shows it. */
export interface AuditEventView {
  id: string;
  type: string;
  version: number;
  time: string;
  receivedAt: string;
  source: string;
  traceId: string | null;
  teamId: string | null;
  appId: string | null;
  clientId: string | null;
  apiId: string | null;
  action: string | null;
  decision: string | null;
  reason: string | null;
  status: number | null;
  sourceIp: string | null;
  latencyMs: number | null;
  data: unknown;
}

interface EventRow extends StoredContentRow {
  received_at: Date;
}

const FILTER_COLUMNS = {
  appId: 'app_id',
  teamId: 'team_id',
  apiId: 'api_id',
  clientId: 'client_id',
  decision: 'decision',
  status: 'status',
  sourceIp: 'source_ip',
  traceId: 'trace_id',
  type: 'type',
} as const;

/** Parameterised WHERE clauses for filters plus the caller's scope. */
export class WhereBuilder {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(sql: (placeholder: string) => string, value: unknown): void {
    this.params.push(value);
    this.clauses.push(sql(`$${this.params.length}`));
  }

  filters(filters: EventFilters): this {
    if (filters.from) this.add((p) => `time >= ${p}::timestamptz`, filters.from);
    if (filters.to) this.add((p) => `time <= ${p}::timestamptz`, filters.to);
    for (const [key, column] of Object.entries(FILTER_COLUMNS)) {
      const value = filters[key as keyof typeof FILTER_COLUMNS];
      if (value !== undefined) this.add((p) => `${column} = ${p}`, value);
    }
    return this;
  }

  scope(scope: AccessScope): this {
    if (scope.kind === 'all') return this;
    this.params.push([...scope.apiIds], [...scope.teamIds]);
    const apis = `$${this.params.length - 1}`;
    const teams = `$${this.params.length}`;
    this.clauses.push(`(api_id = ANY(${apis}::text[]) OR team_id = ANY(${teams}::text[]))`);
    // Alerts name the API or team they are about, but are the security team's: an approver or a
    // team reading its own rows must not see what security is investigating.
    this.clauses.push(`type <> 'audit.alert'`);
    return this;
  }

  get sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

const SELECT = `SELECT ${STORED_CONTENT_COLUMNS}, received_at FROM audit.audit_events`;

/** One page, newest first, starting after `after`. Keyset pagination on the (time, id) key. */
export async function searchEvents(
  db: AuditDb,
  filters: EventFilters,
  scope: AccessScope,
  limit: number,
  after?: PagePosition,
): Promise<{ items: AuditEventView[]; next: PagePosition | null }> {
  const where = new WhereBuilder().filters(filters).scope(scope);
  if (after) {
    where.params.push(after.time.toISOString(), after.id);
    const n = where.params.length;
    where.clauses.push(`(time, id) < ($${n - 1}::timestamptz, $${n}::uuid)`);
  }
  const { rows } = await db.query<EventRow>(
    `${SELECT} ${where.sql} ORDER BY time DESC, id DESC LIMIT ${limit + 1}`,
    where.params,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toView),
    next: rows.length > limit && last ? { time: last.time, id: last.id } : null,
  };
}

/** Every matching event, newest first, a page at a time (for exports). */
export async function* allEvents(
  db: AuditDb,
  filters: EventFilters,
  scope: AccessScope,
  pageSize = 1_000,
): AsyncGenerator<AuditEventView> {
  let after: PagePosition | undefined;
  for (;;) {
    const page = await searchEvents(db, filters, scope, pageSize, after);
    yield* page.items;
    if (!page.next) return;
    after = page.next;
  }
}

function toView(row: EventRow): AuditEventView {
  return {
    ...storedContent(row),
    time: row.time.toISOString(),
    receivedAt: row.received_at.toISOString(),
  };
}
