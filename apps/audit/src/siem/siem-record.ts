import type {
  AccessEvent,
  AlertEvent,
  AuditCheckpointEvent,
  KnownEvent,
  ManagementEvent,
} from '@portcullis/contracts';

/** Events a SIEM sink exports: what arrives on the access, management, alert and checkpoint topics. */
export type ExportableEvent = AccessEvent | ManagementEvent | AlertEvent | AuditCheckpointEvent;

export function isExportable(event: KnownEvent): event is ExportableEvent {
  return (
    event.type === 'gateway.access' ||
    event.type === 'identity.management' ||
    event.type === 'audit.alert' ||
    event.type === 'audit.checkpoint'
  );
}

/**
 * One event in the neutral shape the CEF and LEEF formatters map to their own keys. Absent
 * values are left out of the output rather than written empty.
 */
export interface SiemRecord {
  eventId: string;
  eventType: string;
  time: Date;
  /** Stable id of the kind of event (CEF Signature ID, LEEF Event ID). */
  signatureId: string;
  /** Human-readable name of the kind of event. */
  name: string;
  /** 0 (informational) … 10 (critical), CEF's scale. */
  severity: number;
  sourceIp?: string;
  /** The client id for gateway events, the actor for management events. */
  user?: string;
  requestPath?: string;
  requestMethod?: string;
  outcome: 'success' | 'failure';
  /** Access decision (`allow`/`deny`), management action, alert transition. */
  action?: string;
  reason?: string;
  httpStatus?: number;
  latencyMs?: number;
  bytesIn?: number;
  bytesOut?: number;
  appId?: string;
  api?: string;
  environment?: string;
  requestId?: string;
  traceId?: string;
  userAgent?: string;
  gatewayId?: string;
  /** Management target (`type:id`) or alert dedup key. */
  target?: string;
  summary?: string;
  count?: number;
}

const AUTH_FAILURES = new Set([
  'no_credential',
  'invalid_credential',
  'expired_credential',
  'revoked_credential',
  'invalid_token',
  'expired_token',
  'wrong_audience',
  'certificate_mismatch',
]);

const ALERT_SEVERITY: Record<AlertEvent['data']['severity'], number> = {
  low: 3,
  medium: 5,
  high: 8,
  critical: 10,
};

export function toSiemRecord(event: ExportableEvent): SiemRecord {
  const base = { eventId: event.id, eventType: event.type, time: new Date(event.time) };
  const traceId = event.traceId ?? undefined;
  switch (event.type) {
    case 'gateway.access': {
      const data = event.data;
      const denied = data.decision === 'deny';
      return {
        ...base,
        signatureId: `access:${data.reason}`,
        name: denied ? `API access denied: ${data.reason}` : 'API access allowed',
        severity: denied ? (AUTH_FAILURES.has(data.reason) ? 5 : 4) : data.status >= 500 ? 3 : 1,
        sourceIp: data.sourceIp || undefined,
        user: data.clientId ?? undefined,
        requestPath: data.path,
        requestMethod: data.method,
        outcome: denied || data.status >= 500 ? 'failure' : 'success',
        action: data.decision,
        reason: data.reason,
        httpStatus: data.status,
        latencyMs: data.latencyMs.total,
        bytesIn: data.bytesIn,
        bytesOut: data.bytesOut,
        appId: data.appId ?? undefined,
        api: data.apiSlug ?? data.apiId ?? undefined,
        environment: data.environment ?? undefined,
        requestId: data.requestId,
        traceId,
        userAgent: data.userAgent ?? undefined,
        gatewayId: data.gatewayId,
      };
    }
    case 'identity.management': {
      const data = event.data;
      const reason = typeof data.details.reason === 'string' ? data.details.reason : undefined;
      return {
        ...base,
        signatureId: `management:${data.action}`,
        name: `Management ${data.action.replace(/[._]/g, ' ')}`,
        severity: data.outcome === 'failure' ? 5 : 2,
        sourceIp: data.sourceIp ?? undefined,
        user: data.actor.label ?? data.actor.id ?? data.actor.type,
        outcome: data.outcome,
        action: data.action,
        reason,
        appId: data.appId ?? undefined,
        api: data.apiId ?? undefined,
        traceId,
        userAgent: data.userAgent ?? undefined,
        target: `${data.target.type}:${data.target.id ?? '-'}`,
      };
    }
    case 'audit.alert': {
      const data = event.data;
      return {
        ...base,
        signatureId: `alert:${data.rule}`,
        name: `Alert ${data.rule.replace(/_/g, ' ')}`,
        severity: ALERT_SEVERITY[data.severity],
        user: data.changedBy ?? undefined,
        outcome: 'success',
        action: data.transition,
        reason: data.status,
        traceId,
        target: data.dedupKey,
        summary: data.summary,
        count: data.count,
      };
    }
    case 'audit.checkpoint': {
      const data = event.data;
      return {
        ...base,
        signatureId: 'checkpoint:chain',
        name: 'Audit chain checkpoint',
        severity: 1,
        outcome: 'success',
        action: 'checkpoint',
        // chain:seq, the head hash and the signature: what a SIEM keeps to check audit against.
        target: `${data.chain}:${data.seq}`,
        summary: `head ${data.headHash} event ${data.headEventId} key ${data.keyId} sig ${data.signature}`,
        count: data.seq,
      };
    }
  }
}
