import type { AuditRowContent } from '../integrity/row-hash.js';

/** The content columns of an `audit.audit_events` row as node-postgres returns them. */
export interface StoredContentRow {
  id: string;
  time: Date;
  type: string;
  version: number;
  source: string;
  trace_id: string | null;
  team_id: string | null;
  app_id: string | null;
  client_id: string | null;
  api_id: string | null;
  action: string | null;
  decision: string | null;
  reason: string | null;
  status: number | null;
  source_ip: string | null;
  latency_ms: number | null;
  data: unknown;
}

/** A row with its place in its day's hash chain. */
export interface StoredChainedRow extends StoredContentRow {
  /** int8 comes back as text. */
  chain_seq: string;
  prev_hash: string | null;
  hash: string;
}

/** The content columns, for SELECT lists. */
export const STORED_CONTENT_COLUMNS =
  'id, time, type, version, source, trace_id, team_id, app_id, client_id, api_id, action, ' +
  'decision, reason, status, source_ip, latency_ms, data';

/** A stored row's content as the writer hashed it. */
export function storedContent(row: StoredContentRow): AuditRowContent {
  return {
    id: row.id,
    time: row.time,
    type: row.type,
    version: row.version,
    source: row.source,
    traceId: row.trace_id,
    teamId: row.team_id,
    appId: row.app_id,
    clientId: row.client_id,
    apiId: row.api_id,
    action: row.action,
    decision: row.decision,
    reason: row.reason,
    status: row.status,
    sourceIp: row.source_ip,
    latencyMs: row.latency_ms,
    data: row.data,
  };
}
