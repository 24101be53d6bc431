import { randomBytes, randomUUID } from 'node:crypto';
import {
  accessEventSchema,
  alertEventSchema,
  buildEvent,
  type AlertEvent,
  managementEventSchema,
  type AccessEvent,
  type AccessEventData,
  type ManagementEvent,
} from '@portcullis/contracts';

/** A short random suffix, so ids never clash with other tests sharing the database. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function traceId(): string {
  return randomBytes(16).toString('hex');
}

export function accessEvent(
  data: Partial<AccessEventData> = {},
  init: { time?: Date; traceId?: string | null } = {},
): AccessEvent {
  return buildEvent(accessEventSchema, {
    source: 'gateway',
    traceId: init.traceId === undefined ? traceId() : init.traceId,
    time: init.time,
    data: {
      requestId: randomUUID(),
      gatewayId: 'gw-test',
      appId: 'app-test',
      teamId: 'team-test',
      developerId: null,
      clientId: 'client-test',
      credentialId: null,
      apiId: 'api-test',
      apiSlug: 'test',
      planId: null,
      environment: 'sandbox',
      authMethod: 'api_key',
      method: 'GET',
      route: '/things',
      path: '/things',
      status: 200,
      decision: 'allow',
      reason: 'ok',
      latencyMs: { total: 12, upstream: 10 },
      bytesIn: 0,
      bytesOut: 128,
      sourceIp: '192.0.2.10',
      userAgent: 'test',
      tokenJti: null,
      scopes: [],
      ...data,
    },
  });
}

export function managementEvent(
  init: { apiId?: string; teamId?: string; time?: Date } = {},
): ManagementEvent {
  return buildEvent(managementEventSchema, {
    source: 'identity',
    time: init.time,
    data: {
      action: 'subscription.approved',
      outcome: 'success',
      actor: { type: 'user', id: randomUUID(), label: 'approver@example.com' },
      target: { type: 'subscription', id: randomUUID() },
      teamId: init.teamId ?? null,
      apiId: init.apiId ?? null,
      appId: null,
      sourceIp: '198.51.100.7',
      userAgent: null,
      details: { comment: 'ok' },
    },
  });
}

/** An alert about one API (its subject names the API, as upstream_error_spike's does). */
export function alertEvent(init: { apiId: string; time?: Date }): AlertEvent {
  const at = (init.time ?? new Date()).toISOString();
  return buildEvent(alertEventSchema, {
    source: 'audit',
    time: init.time,
    data: {
      alertId: randomUUID(),
      transition: 'opened',
      rule: 'upstream_error_spike',
      severity: 'high',
      status: 'open',
      dedupKey: `upstream_error_spike:api:${init.apiId}`,
      summary: 'Upstream errors on an API',
      subject: { apiId: init.apiId, observed: 30 },
      count: 1,
      firstSeenAt: at,
      lastSeenAt: at,
      changedBy: null,
    },
  });
}
