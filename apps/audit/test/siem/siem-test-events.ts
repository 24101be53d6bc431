import { randomBytes, randomUUID } from 'node:crypto';
import {
  accessEventSchema,
  alertEventSchema,
  buildEvent,
  managementEventSchema,
  type AccessEvent,
  type AccessEventData,
  type AlertEvent,
  type ManagementEvent,
} from '@portcullis/contracts';

export function suffix(): string {
  return randomBytes(5).toString('hex');
}

export function access(data: Partial<AccessEventData> = {}, time?: Date): AccessEvent {
  return buildEvent(accessEventSchema, {
    source: 'gateway',
    traceId: randomBytes(16).toString('hex'),
    time,
    data: {
      requestId: randomUUID(),
      gatewayId: 'gw-siem-test',
      appId: `app-${suffix()}`,
      teamId: null,
      developerId: null,
      clientId: `client-${suffix()}`,
      credentialId: null,
      apiId: `api-${suffix()}`,
      apiSlug: 'orders',
      planId: null,
      environment: 'production',
      authMethod: 'bearer_jwt',
      method: 'POST',
      route: '/orders/{id}',
      path: '/orders/42',
      status: 201,
      decision: 'allow',
      reason: 'ok',
      latencyMs: { total: 12.5, upstream: 10 },
      bytesIn: 321,
      bytesOut: 654,
      sourceIp: '203.0.113.9',
      userAgent: 'orders-client/1.0',
      tokenJti: null,
      scopes: [],
      ...data,
    },
  });
}

export function management(): ManagementEvent {
  return buildEvent(managementEventSchema, {
    source: 'identity',
    data: {
      action: 'credential.revoked',
      outcome: 'success',
      actor: { type: 'user', id: randomUUID(), label: 'sec|ops=team\\lead' },
      target: { type: 'credential', id: randomUUID() },
      teamId: null,
      apiId: null,
      appId: `app-${suffix()}`,
      sourceIp: '198.51.100.20',
      userAgent: null,
      details: { reason: 'leaked\nin a repo' },
    },
  });
}

export function alert(): AlertEvent {
  const now = new Date().toISOString();
  return buildEvent(alertEventSchema, {
    source: 'audit',
    data: {
      alertId: randomUUID(),
      transition: 'opened',
      rule: 'auth_failure_burst_source',
      severity: 'high',
      status: 'open',
      dedupKey: 'auth_failure_burst_source:ip:203.0.113.9',
      summary: '50 failures | from 203.0.113.9 = bad',
      subject: { sourceIp: '203.0.113.9' },
      count: 1,
      firstSeenAt: now,
      lastSeenAt: now,
      changedBy: null,
    },
  });
}

/** Values that exercise every escaping rule of CEF and LEEF. */
export const NASTY = 'a|b=c\\d\ne\rf\tg ^h';
