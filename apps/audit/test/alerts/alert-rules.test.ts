import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  managementEventSchema,
  TOPICS,
  type AccessEventData,
  type AlertEvent,
} from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access } from '../siem/siem-test-events.js';
import { waitFor } from '../siem/siem-harness.js';
import { hex, randomIp, startAlerts, type AlertsHarness } from './alerts-harness.js';

describe('anomaly rules on the stream (real Kafka, Redis, PostgreSQL)', () => {
  let harness: AlertsHarness;

  beforeAll(async () => {
    harness = await startAlerts({
      authFailureClient: { threshold: 5, windowSeconds: 60 },
      authFailureSource: { threshold: 5, windowSeconds: 60 },
      authorizationDenial: { threshold: 5, windowSeconds: 60 },
      trafficBaseline: { factor: 3, minPerMinute: 20, warmupMinutes: 5, alpha: 0.3 },
      upstreamErrors: { minRequests: 10, errorRatio: 0.5, windowSeconds: 60 },
    });
  });

  afterAll(async () => {
    await harness?.close();
  });

  const alertsFor = (dedupKey: string) =>
    harness.prisma.alert.findMany({ where: { dedupKey }, orderBy: { createdAt: 'asc' } });

  /** Waits until the detector processed everything, then returns the alerts with this key. */
  async function settled(dedupKey: string) {
    await harness.caughtUp();
    return alertsFor(dedupKey);
  }

  function many(count: number, data: () => Partial<AccessEventData>, time?: Date) {
    return Array.from({ length: count }, () => access(data(), time));
  }

  it('auth failures per client: a burst opens one alert, a few failures none', async () => {
    const noisy = `client-${hex()}`;
    const quiet = `client-${hex()}`;
    await harness.produce([
      ...many(8, () => ({
        clientId: noisy,
        decision: 'deny',
        reason: 'invalid_credential',
        status: 401,
        sourceIp: randomIp(),
      })),
      ...many(3, () => ({
        clientId: quiet,
        decision: 'deny',
        reason: 'invalid_token',
        status: 401,
        sourceIp: randomIp(),
      })),
    ]);
    const opened = await waitFor(
      'the client alert',
      () => alertsFor(`auth_failure_burst_client:client:${noisy}`),
      (list) => list.length > 0,
    );
    expect(opened[0]).toMatchObject({
      rule: 'auth_failure_burst_client',
      severity: 'high',
      status: 'open',
    });
    const final = await settled(`auth_failure_burst_client:client:${noisy}`);
    expect(final).toHaveLength(1);
    // Failures 5..8 crossed the threshold: one opened it, three counted on it.
    expect(final[0]?.count).toBe(4);
    expect(await alertsFor(`auth_failure_burst_client:client:${quiet}`)).toHaveLength(0);
  });

  it('auth failures per source address, from the gateway and identity alike', async () => {
    const noisyIp = randomIp();
    const quietIp = randomIp();
    const signInFailures = Array.from({ length: 3 }, () =>
      buildEvent(managementEventSchema, {
        source: 'identity',
        data: {
          action: 'user.sign_in_failed',
          outcome: 'failure',
          actor: { type: 'user', id: null, label: 'someone@example.com' },
          target: { type: 'user', id: null },
          sourceIp: noisyIp,
        },
      }),
    );
    await harness.produce([
      ...many(3, () => ({
        clientId: null,
        decision: 'deny',
        reason: 'no_credential',
        status: 401,
        sourceIp: noisyIp,
      })),
      ...signInFailures,
      ...many(2, () => ({
        clientId: null,
        decision: 'deny',
        reason: 'no_credential',
        status: 401,
        sourceIp: quietIp,
      })),
    ]);
    const alerts = await waitFor(
      'the source alert',
      () => alertsFor(`auth_failure_burst_source:ip:${noisyIp}`),
      (list) => list.length > 0,
    );
    expect(alerts[0]?.subject).toMatchObject({ sourceIp: noisyIp, threshold: 5 });
    expect(await settled(`auth_failure_burst_source:ip:${noisyIp}`)).toHaveLength(1);
    expect(await alertsFor(`auth_failure_burst_source:ip:${quietIp}`)).toHaveLength(0);
  });

  it('authorization denials: a burst of no_subscription / insufficient_scope opens one alert', async () => {
    const noisy = `client-${hex()}`;
    const quiet = `client-${hex()}`;
    let flip = false;
    await harness.produce([
      ...many(7, () => {
        flip = !flip;
        return {
          clientId: noisy,
          decision: 'deny',
          reason: flip ? 'no_subscription' : 'insufficient_scope',
          status: 403,
        };
      }),
      ...many(2, () => ({
        clientId: quiet,
        decision: 'deny',
        reason: 'no_subscription',
        status: 403,
      })),
    ]);
    await waitFor(
      'the denial alert',
      () => alertsFor(`authorization_denial_burst:client:${noisy}`),
      (l) => l.length > 0,
    );
    const final = await settled(`authorization_denial_burst:client:${noisy}`);
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({ severity: 'medium', count: 3 });
    expect(await alertsFor(`authorization_denial_burst:client:${quiet}`)).toHaveLength(0);
  });

  it('revoked and expired credentials: the first use alerts, repeats count on it', async () => {
    const credential = `cred-${hex()}`;
    const expired = `cred-${hex()}`;
    const fine = `cred-${hex()}`;
    await harness.produce([
      ...many(3, () => ({
        credentialId: credential,
        decision: 'deny',
        reason: 'revoked_credential',
        status: 401,
      })),
      ...many(1, () => ({
        credentialId: expired,
        decision: 'deny',
        reason: 'expired_credential',
        status: 401,
      })),
      ...many(3, () => ({ credentialId: fine })),
    ]);
    const revoked = await waitFor(
      'the revoked-credential alert',
      () => alertsFor(`revoked_credential_use:${credential}:revoked_credential`),
      (list) => list.length > 0 && list[0]!.count === 3,
    );
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ rule: 'revoked_credential_use', severity: 'high' });
    const expiredAlerts = await settled(`revoked_credential_use:${expired}:expired_credential`);
    expect(expiredAlerts).toHaveLength(1);
    expect(expiredAlerts[0]?.severity).toBe('medium');
    const others = await harness.prisma.alert.findMany({
      where: { dedupKey: { startsWith: `revoked_credential_use:${fine}` } },
    });
    expect(others).toHaveLength(0);
  });

  it('a gateway counting a fail-open API in memory (Redis down) opens the limiter alert', async () => {
    const degraded = `gw-${hex()}`;
    const healthy = `gw-${hex()}`;
    await harness.produce([
      // Allowed requests: only the flag says the limits were no longer shared.
      ...many(2, () => ({ gatewayId: degraded, rateLimitFallback: true })),
      ...many(5, () => ({ gatewayId: healthy })),
    ]);
    const alerts = await waitFor(
      'the rate limiter alert',
      () => alertsFor(`rate_limiter_unavailable:gateway:${degraded}`),
      (list) => list.length > 0 && list[0]!.count === 2,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'rate_limiter_unavailable', severity: 'medium' });
    expect(await settled(`rate_limiter_unavailable:gateway:${healthy}`)).toHaveLength(0);
  });

  it('a gateway refusing tokens because it cannot read the JWKS opens the key alert, not an upstream one', async () => {
    const degraded = `gw-${hex()}`;
    const api = `api-${hex()}`;
    await harness.produce([
      // More than the upstream rule's minimum (20), all failed: an upstream reason would alert.
      ...many(25, () => ({
        gatewayId: degraded,
        apiId: api,
        status: 503,
        decision: 'deny' as const,
        reason: 'jwks_unavailable' as const,
      })),
    ]);
    const alerts = await waitFor(
      'the JWKS alert',
      () => alertsFor(`jwks_unavailable:gateway:${degraded}`),
      (list) => list.length > 0 && list[0]!.count === 25,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'jwks_unavailable', severity: 'high' });
    // Neither the API's upstream nor the caller's authentication is at fault.
    expect(await settled(`upstream_error_spike:api:${api}`)).toHaveLength(0);
  });

  it('upstream errors: a 5xx spike on one API opens one alert, a few errors do not', async () => {
    const spiking = `api-${hex()}`;
    const healthy = `api-${hex()}`;
    await harness.produce([
      ...many(8, () => ({ apiId: spiking, appId: `app-${hex()}` })),
      ...many(12, () => ({
        apiId: spiking,
        appId: `app-${hex()}`,
        status: 502,
        decision: 'deny',
        reason: 'upstream_error',
      })),
      ...many(18, () => ({ apiId: healthy, appId: `app-${hex()}` })),
      ...many(2, () => ({ apiId: healthy, appId: `app-${hex()}`, status: 500 })),
    ]);
    await waitFor(
      'the upstream alert',
      () => alertsFor(`upstream_error_spike:api:${spiking}`),
      (l) => l.length > 0,
    );
    const final = await settled(`upstream_error_spike:api:${spiking}`);
    expect(final).toHaveLength(1);
    expect(final[0]?.subject).toMatchObject({ apiId: spiking });
    expect(await alertsFor(`upstream_error_spike:api:${healthy}`)).toHaveLength(0);
  });

  it('traffic far above an application’s own EWMA baseline opens one alert; steady traffic none', async () => {
    const spiking = `app-${hex()}`;
    const steady = `app-${hex()}`;
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const warmup = (appId: string) =>
      Array.from({ length: 6 }, (_, index) =>
        many(5, () => ({ appId }), new Date(minute - (8 - index) * 60_000 + 1000)),
      ).flat();
    const now = new Date(minute + 1000);
    await harness.produce([...warmup(spiking), ...warmup(steady)]);
    await harness.produce([
      ...many(30, () => ({ appId: spiking }), now),
      ...many(6, () => ({ appId: steady }), now),
    ]);
    await waitFor(
      'the baseline alert',
      () => alertsFor(`traffic_above_baseline:app:${spiking}`),
      (l) => l.length > 0,
    );
    const final = await settled(`traffic_above_baseline:app:${spiking}`);
    expect(final).toHaveLength(1);
    expect(final[0]?.subject).toMatchObject({ appId: spiking, factor: 3 });
    expect(
      Number((final[0]?.subject as { baselinePerMinute: number }).baselinePerMinute),
    ).toBeLessThan(6);
    expect(await alertsFor(`traffic_above_baseline:app:${steady}`)).toHaveLength(0);
  });

  it('a client seen from a new /24 opens one alert; its usual network none', async () => {
    const roaming = `client-${hex()}`;
    const homebody = `client-${hex()}`;
    const home = randomIp().split('.').slice(0, 3).join('.');
    const away = randomIp().split('.').slice(0, 3).join('.');
    await harness.produce([
      ...many(3, () => ({ clientId: roaming, appId: `app-${roaming}`, sourceIp: `${home}.5` })),
      ...many(3, () => ({ clientId: homebody, appId: `app-${homebody}`, sourceIp: `${home}.6` })),
    ]);
    await harness.caughtUp();
    await harness.produce([
      ...many(2, () => ({ clientId: roaming, appId: `app-${roaming}`, sourceIp: `${away}.7` })),
      ...many(2, () => ({ clientId: homebody, appId: `app-${homebody}`, sourceIp: `${home}.200` })),
    ]);
    const key = `new_source_network:client:${roaming}:${away}.0/24`;
    await waitFor(
      'the new-network alert',
      () => alertsFor(key),
      (l) => l.length > 0,
    );
    const final = await settled(key);
    expect(final).toHaveLength(1);
    expect(final[0]?.subject).toMatchObject({ network: `${away}.0/24`, knownNetworks: 1 });
    const homebodyAlerts = await harness.prisma.alert.findMany({
      where: { dedupKey: { startsWith: `new_source_network:client:${homebody}` } },
    });
    expect(homebodyAlerts).toHaveLength(0);
  });

  it('acknowledge and resolve record who, publish each transition, and a resolved alert lets a new one open', async () => {
    const credential = `cred-${hex()}`;
    const key = `revoked_credential_use:${credential}:revoked_credential`;
    await harness.produce(
      many(1, () => ({
        credentialId: credential,
        decision: 'deny',
        reason: 'revoked_credential',
        status: 401,
      })),
    );
    const [alert] = await waitFor(
      'the alert',
      () => alertsFor(key),
      (l) => l.length > 0,
    );
    const userId = randomUUID();
    const acknowledged = await harness.store.acknowledge(alert!.id, { userId, label: userId });
    expect(acknowledged).toMatchObject({ status: 'acknowledged', changedById: userId });
    await expect(
      harness.store.acknowledge(alert!.id, { userId, label: userId }),
    ).rejects.toMatchObject({
      problem: { status: 409 },
    });
    // A repeat while acknowledged counts on the same alert.
    await harness.produce(
      many(1, () => ({
        credentialId: credential,
        decision: 'deny',
        reason: 'revoked_credential',
        status: 401,
      })),
    );
    await waitFor(
      'the repeat',
      () => alertsFor(key),
      (l) => l[0]?.count === 2,
    );
    expect(await alertsFor(key)).toHaveLength(1);

    const resolved = await harness.store.resolve(alert!.id, {
      userId: null,
      label: 'service:soar',
    });
    expect(resolved).toMatchObject({ status: 'resolved', changedById: null });
    await expect(harness.store.resolve(alert!.id, { userId, label: userId })).rejects.toMatchObject(
      {
        problem: { status: 409 },
      },
    );
    const listed = await harness.store.list({ status: 'resolved', limit: 500 });
    expect(listed.some((entry) => entry.id === alert!.id)).toBe(true);

    await harness.produce(
      many(1, () => ({
        credentialId: credential,
        decision: 'deny',
        reason: 'revoked_credential',
        status: 401,
      })),
    );
    const after = await waitFor(
      'a second alert after resolve',
      () => alertsFor(key),
      (l) => l.length === 2,
    );
    expect(after[1]?.status).toBe('open');

    // Every transition went out as an audit.alert event (which the SIEM sinks export too).
    const consumer = harness.kafka.consumer({ groupId: `alert-events-reader-${hex()}` });
    const seen: AlertEvent[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.alertEvents], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString('utf8') ?? '{}') as AlertEvent;
        if (event.data?.dedupKey === key) seen.push(event);
      },
    });
    try {
      await waitFor(
        'alert events',
        () => seen,
        (list) => list.filter((e) => e.data.alertId === alert!.id).length >= 4,
      );
    } finally {
      await consumer.disconnect();
    }
    const first = seen.filter((event) => event.data.alertId === alert!.id);
    expect(first.map((event) => event.data.transition)).toEqual([
      'opened',
      'acknowledged',
      'updated',
      'resolved',
    ]);
    expect(first[1]?.data.changedBy).toBe(userId);
    expect(first[3]?.data).toMatchObject({ status: 'resolved', changedBy: 'service:soar' });
  });
});
