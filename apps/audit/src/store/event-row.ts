import type { KnownEvent } from '@portcullis/contracts';
import type { AuditRowContent } from '../integrity/row-hash.js';
import { jsonHasNul } from './copy-text.js';

/** Event types the audit store keeps (config changes are for gateways only). */
export const STORED_EVENT_TYPES = ['gateway.access', 'identity.management', 'audit.alert'] as const;
export type StoredEventType = (typeof STORED_EVENT_TYPES)[number];
export type StoredEvent = Extract<KnownEvent, { type: StoredEventType }>;

export function isStoredEvent(event: KnownEvent): event is StoredEvent {
  return (STORED_EVENT_TYPES as readonly string[]).includes(event.type);
}

/**
 * The row for an event: envelope, the columns queries filter on, and the validated body. The time
 * is cut to milliseconds here (the column's precision), so a redelivered event maps to the same
 * key, partition and hash.
 */
export function toRowContent(event: StoredEvent): AuditRowContent {
  const base = {
    id: event.id,
    time: new Date(Math.floor(new Date(event.time).getTime())),
    type: event.type,
    version: event.version,
    source: event.source,
    traceId: event.traceId,
    data: event.data as unknown,
  };
  switch (event.type) {
    case 'gateway.access': {
      const data = event.data;
      return {
        ...base,
        teamId: data.teamId,
        appId: data.appId,
        clientId: data.clientId,
        apiId: data.apiId,
        action: null,
        decision: data.decision,
        reason: data.reason,
        status: data.status,
        sourceIp: data.sourceIp,
        latencyMs: data.latencyMs.total,
      };
    }
    case 'identity.management': {
      const data = event.data;
      return {
        ...base,
        teamId: data.teamId,
        appId: data.appId,
        clientId: data.actor.type === 'client' ? data.actor.id : null,
        apiId: data.apiId,
        action: data.action,
        decision: null,
        reason: data.outcome,
        status: null,
        sourceIp: data.sourceIp,
        latencyMs: null,
      };
    }
    case 'audit.alert': {
      const subject = event.data.subject;
      return {
        ...base,
        teamId: stringField(subject, 'teamId'),
        appId: stringField(subject, 'appId'),
        clientId: stringField(subject, 'clientId'),
        apiId: stringField(subject, 'apiId'),
        action: event.data.transition,
        decision: null,
        reason: event.data.rule,
        status: null,
        sourceIp: stringField(subject, 'sourceIp'),
        latencyMs: null,
      };
    }
  }
}

function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' ? value : null;
}

const ESCAPED_NUL = '\\u0000';

/**
 * PostgreSQL text and jsonb cannot hold U+0000: such an event is refused, not half-stored.
 * `raw` is the JSON the row was parsed from: JSON can only carry U+0000 escaped, so when the raw
 * bytes hold no `\u0000` the row holds no NUL and the costly re-serialisation is skipped.
 */
export function unstorableReason(row: AuditRowContent, raw?: Buffer | string): string | null {
  if (Number.isNaN(row.time.getTime())) return 'time is not a valid instant';
  if (raw !== undefined && !raw.includes(ESCAPED_NUL)) return null;
  // Only a real `\u0000` escape is a NUL; the text `\\u0000` (a backslash, then u0000) is fine.
  if (jsonHasNul(JSON.stringify(row))) return 'contains a NUL character (U+0000)';
  return null;
}
