import type { AlertEvent, AlertEventData } from '@portcullis/contracts';
import { OCSF_VERSION } from './ocsf-version.js';

export const OCSF_DETECTION_FINDING_CLASS_UID = 2004;
export const OCSF_FINDINGS_CATEGORY_UID = 2;

/** Detection Finding activity_id: 1 Create, 2 Update, 3 Close. */
const ACTIVITY: Record<AlertEventData['transition'], { id: number; name: string }> = {
  opened: { id: 1, name: 'Create' },
  updated: { id: 2, name: 'Update' },
  acknowledged: { id: 2, name: 'Update' },
  resolved: { id: 3, name: 'Close' },
};

/** Finding status_id: 1 New, 2 In Progress, 4 Resolved. */
const STATUS: Record<AlertEventData['status'], { id: number; name: string }> = {
  open: { id: 1, name: 'New' },
  acknowledged: { id: 2, name: 'In Progress' },
  resolved: { id: 4, name: 'Resolved' },
};

/** severity_id: 2 Low, 3 Medium, 4 High, 5 Critical. */
const SEVERITY: Record<AlertEventData['severity'], { id: number; name: string }> = {
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

const RULE_TITLES: Record<AlertEventData['rule'], string> = {
  auth_failure_burst_client: 'Burst of authentication failures by one client',
  auth_failure_burst_source: 'Burst of authentication failures from one source address',
  traffic_above_baseline: "Traffic far above the application's baseline",
  new_source_network: 'Client seen from a new source network',
  authorization_denial_burst: 'Burst of authorization denials',
  revoked_credential_use: 'Use of a revoked or expired credential',
  upstream_error_spike: 'Upstream error spike',
  rate_limiter_unavailable: 'Rate limiter unavailable at a gateway',
  jwks_unavailable: "Identity's token keys unavailable at a gateway",
};

export type OcsfDetectionFinding = Record<string, unknown> & {
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  time: number;
  severity_id: number;
  status_id: number;
  finding_info: { uid: string; title: string } & Record<string, unknown>;
  metadata: { uid: string; version: string; product: Record<string, unknown> } & Record<
    string,
    unknown
  >;
};

function text(subject: Record<string, unknown>, key: string): string | undefined {
  const value = subject[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * OCSF Detection Finding (class 2004, category Findings) for one alert transition: the finding
 * is the alert (finding_info.uid = alert id, so a SIEM folds the transitions of one alert
 * together), the analytic is the rule, and what the alert is about becomes evidence and resources.
 */
export function toOcsfDetectionFinding(
  event: AlertEvent,
  productVersion: string,
): OcsfDetectionFinding {
  const data = event.data;
  const activity = ACTIVITY[data.transition];
  const status = STATUS[data.status];
  const severity = SEVERITY[data.severity];
  const time = Date.parse(event.time);
  const firstSeen = Date.parse(data.firstSeenAt);
  const lastSeen = Date.parse(data.lastSeenAt);
  const subject = data.subject;
  const sourceIp = text(subject, 'sourceIp');
  const clientId = text(subject, 'clientId');
  const apiId = text(subject, 'apiId');
  const evidence = {
    ...(sourceIp ? { src_endpoint: { ip: sourceIp } } : {}),
    ...(clientId ? { actor: { user: { uid: clientId, type_id: 99, type: 'Service' } } } : {}),
    ...(apiId ? { api: { operation: 'any', service: { uid: apiId } } } : {}),
  };
  const resources = (
    [
      ['application', text(subject, 'appId')],
      ['api', apiId],
      ['credential', text(subject, 'credentialId')],
      ['team', text(subject, 'teamId')],
      ['gateway', text(subject, 'gatewayId')],
    ] as const
  ).flatMap(([type, uid]) => (uid ? [{ type, uid }] : []));

  return {
    class_uid: OCSF_DETECTION_FINDING_CLASS_UID,
    class_name: 'Detection Finding',
    category_uid: OCSF_FINDINGS_CATEGORY_UID,
    category_name: 'Findings',
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: OCSF_DETECTION_FINDING_CLASS_UID * 100 + activity.id,
    time,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    message: data.summary,
    count: data.count,
    start_time: firstSeen,
    end_time: lastSeen,
    finding_info: {
      uid: data.alertId,
      title: RULE_TITLES[data.rule],
      desc: data.summary,
      types: [data.rule],
      created_time: firstSeen,
      first_seen_time: firstSeen,
      last_seen_time: lastSeen,
      modified_time: time,
      analytic: { uid: data.rule, name: data.rule, type_id: 1, type: 'Rule' },
    },
    ...(Object.keys(evidence).length > 0 ? { evidences: [evidence] } : {}),
    ...(resources.length > 0 ? { resources } : {}),
    metadata: {
      uid: event.id,
      version: OCSF_VERSION,
      event_code: event.type,
      original_time: event.time,
      ...(event.traceId ? { correlation_uid: event.traceId } : {}),
      product: {
        name: 'Portcullis',
        vendor_name: 'Portcullis',
        version: productVersion,
        feature: { name: 'alerts' },
      },
    },
    unmapped: {
      transition: data.transition,
      dedup_key: data.dedupKey,
      changed_by: data.changedBy,
      subject,
    },
  };
}
