import type { AccessEvent, AccessEventData, ManagementEvent } from '@portcullis/contracts';
import { toOcsfDetectionFinding, type OcsfDetectionFinding } from './ocsf-detection-finding.js';
import { OCSF_VERSION } from './ocsf-version.js';
import type { ExportableEvent } from './siem-record.js';

export { OCSF_VERSION };
export const OCSF_API_ACTIVITY_CLASS_UID = 6003;
export const OCSF_APPLICATION_CATEGORY_UID = 6;

/** activity_id of API Activity: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other. */
export function ocsfActivityForMethod(method: string): { id: number; name: string } {
  switch (method.toUpperCase()) {
    case 'POST':
      return { id: 1, name: 'Create' };
    case 'GET':
    case 'HEAD':
      return { id: 2, name: 'Read' };
    case 'PUT':
    case 'PATCH':
      return { id: 3, name: 'Update' };
    case 'DELETE':
      return { id: 4, name: 'Delete' };
    default:
      return { id: 99, name: 'Other' };
  }
}

function ocsfActivityForAction(action: string): { id: number; name: string } {
  const verb = action.slice(action.indexOf('.') + 1);
  if (/^(created|requested|signed_up|granted|issued|member_added)$/.test(verb)) {
    return { id: 1, name: 'Create' };
  }
  if (/^(deleted|revoked|member_removed)$/.test(verb)) return { id: 4, name: 'Delete' };
  if (/^(signed_in|sign_in_failed|signed_out|failed)$/.test(verb)) return { id: 99, name: 'Other' };
  return { id: 3, name: 'Update' };
}

export type OcsfApiActivity = Record<string, unknown> & {
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  time: number;
  severity_id: number;
  metadata: { uid: string; version: string; product: Record<string, unknown> };
};

/**
 * OCSF API Activity (class 6003, category Application Activity) for gateway access and identity
 * management events. Alert events have no API Activity meaning (null): see toOcsfRecord.
 */
export function toOcsfApiActivity(
  event: ExportableEvent,
  productVersion: string,
): OcsfApiActivity | null {
  if (event.type === 'gateway.access') return fromAccess(event, productVersion);
  if (event.type === 'identity.management') return fromManagement(event, productVersion);
  return null;
}

/**
 * The OCSF record the `ocsf_kafka` sink publishes for an event: API Activity (6003) for gateway
 * access and identity management, Detection Finding (2004) for alert transitions.
 */
export function toOcsfRecord(
  event: ExportableEvent,
  productVersion: string,
): OcsfApiActivity | OcsfDetectionFinding | null {
  if (event.type === 'audit.alert') return toOcsfDetectionFinding(event, productVersion);
  return toOcsfApiActivity(event, productVersion);
}

function common(
  event: ExportableEvent,
  productVersion: string,
  activity: { id: number; name: string },
  failed: boolean,
) {
  return {
    class_uid: OCSF_API_ACTIVITY_CLASS_UID,
    class_name: 'API Activity',
    category_uid: OCSF_APPLICATION_CATEGORY_UID,
    category_name: 'Application Activity',
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: OCSF_API_ACTIVITY_CLASS_UID * 100 + activity.id,
    time: Date.parse(event.time),
    // 1 Informational, 3 Medium for failures.
    severity_id: failed ? 3 : 1,
    severity: failed ? 'Medium' : 'Informational',
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    // Required by the class; Portcullis runs wherever the operator puts it.
    cloud: { provider: 'self-hosted' },
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
        feature: { name: event.source },
      },
    },
  };
}

function fromAccess(event: AccessEvent, productVersion: string): OcsfApiActivity {
  const data = event.data;
  const failed = data.decision === 'deny' || data.status >= 500;
  return {
    ...common(event, productVersion, ocsfActivityForMethod(data.method), failed),
    status_code: String(data.status),
    status_detail: data.reason,
    message: `${data.method} ${data.route ?? data.path} ${data.decision} (${data.reason})`,
    actor: {
      app_uid: data.appId ?? undefined,
      ...accessUser(data),
      authorizations: [{ decision: data.decision === 'allow' ? 'Allowed' : 'Denied' }],
    },
    api: {
      operation: `${data.method} ${data.route ?? data.path}`,
      service: { name: data.apiSlug ?? data.apiId ?? 'unknown', uid: data.apiId ?? undefined },
      request: { uid: data.requestId },
      response: { code: data.status },
    },
    http_request: {
      http_method: data.method,
      url: { path: data.path },
      user_agent: data.userAgent ?? undefined,
      length: data.bytesIn,
    },
    http_response: { code: data.status, length: data.bytesOut, latency: data.latencyMs.total },
    src_endpoint: sourceEndpoint(data.sourceIp, 'unknown'),
    dst_endpoint: { svc_name: 'portcullis-gateway', uid: data.gatewayId },
    unmapped: {
      environment: data.environment,
      plan_id: data.planId,
      team_id: data.teamId,
      developer_id: data.developerId,
      auth_method: data.authMethod,
      credential_id: data.credentialId,
      token_jti: data.tokenJti,
      upstream_latency_ms: data.latencyMs.upstream,
    },
  };
}

function fromManagement(event: ManagementEvent, productVersion: string): OcsfApiActivity {
  const data = event.data;
  const failed = data.outcome === 'failure';
  return {
    ...common(event, productVersion, ocsfActivityForAction(data.action), failed),
    status_detail: data.action,
    message: `${data.action} ${data.target.type}:${data.target.id ?? '-'} (${data.outcome})`,
    actor: {
      user: {
        uid: data.actor.id ?? undefined,
        // A User needs a uid, name or account: a nameless platform actor is named by its type.
        name: data.actor.label ?? (data.actor.id ? undefined : data.actor.type),
        type: data.actor.type,
      },
    },
    api: {
      operation: data.action,
      service: { name: 'portcullis-identity' },
    },
    resources: [{ type: data.target.type, uid: data.target.id ?? undefined }],
    // No address: the platform itself made the change (a scheduled expiry, a catalog apply).
    src_endpoint: sourceEndpoint(data.sourceIp, 'portcullis-identity'),
    unmapped: { team_id: data.teamId, app_id: data.appId, api_id: data.apiId },
  };
}

/**
 * OCSF's Actor must name at least one of user, app_uid, app_name, process, session, and a User at
 * least one of uid, name, account: an empty `user: {}` fails strict consumers' validation. A
 * client id is the user (its credential the alternate id); a caller known by its application only
 * (an API key) has no user, `app_uid` names it; a caller who presented no valid credential is the
 * user `anonymous`, since nothing else about it is known (its address is in src_endpoint).
 */
function accessUser(data: AccessEventData): { user?: Record<string, unknown> } {
  if (data.clientId) {
    return {
      user: {
        uid: data.clientId,
        type_id: 99,
        type: 'Service',
        uid_alt: data.credentialId ?? undefined,
      },
    };
  }
  if (data.appId) return {};
  return { user: { name: 'anonymous', type_id: 99, type: 'Anonymous' } };
}

/**
 * OCSF requires `src_endpoint` on API Activity, and a Network Endpoint needs at least one of its
 * identifying attributes: an empty one (`{}`, `ip: ""`) fails strict consumers' validation.
 */
type SourceEndpoint = { ip: string } | { svc_name: string };

function sourceEndpoint(ip: string | null, serviceWithoutAddress: string): SourceEndpoint {
  return ip ? { ip } : { svc_name: serviceWithoutAddress };
}
