import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  ManagementEventReader,
  signUpUser,
  testPrisma,
  type Call,
  type ManagementEventRecord,
} from '../support/management-fixtures.js';

type WithSource = ManagementEventRecord & { data: { sourceIp: string | null } };

/**
 * Whose address the audit trail records: the portal signs people in on their behalf, so identity
 * believes X-Forwarded-For from the proxies in TRUSTED_PROXIES, and from nobody else.
 */
describe('client addresses behind a trusted proxy (TRUSTED_PROXIES)', () => {
  let trusting: IdentityTestApp;
  let untrusting: IdentityTestApp;
  let prisma: PrismaClient;
  let events: ManagementEventReader;
  beforeAll(async () => {
    events = new ManagementEventReader();
    [trusting, untrusting] = await Promise.all([
      startIdentity({ TRUSTED_PROXIES: '127.0.0.1,::1' }),
      startIdentity(),
      events.start(),
    ]);
    prisma = testPrisma();
  });
  afterAll(async () => {
    await events?.stop();
    await Promise.all([trusting?.close(), untrusting?.close()]);
    await prisma?.$disconnect();
  });

  const signInAs = (call: Call, email: string, password: string) =>
    call('POST', '/v1/sessions', {
      body: { email, password },
      headers: { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'Firefox/133.0 (test)' },
    });

  it('records the address a trusted proxy names, with the browser it passed on', async () => {
    const call = caller(trusting);
    const user = await signUpUser(call, 'behindportal');
    expect((await signInAs(call, user.email, user.password)).status).toBe(201);
    const session = await prisma.session.findFirstOrThrow({
      where: { userId: user.id, userAgent: 'Firefox/133.0 (test)' },
    });
    expect(session.ip).toBe('203.0.113.9');
    // The device list shows where each device last signed in from.
    const devices = await call('GET', '/v1/me/devices', { token: user.token });
    expect(devices.body.items).toContainEqual(
      expect.objectContaining({ lastSignInIp: '203.0.113.9', userAgent: 'Firefox/133.0 (test)' }),
    );
    const [signedIn] = (await events.waitFor(
      (event) =>
        event.data.action === 'user.signed_in' &&
        event.data.actor.id === user.id &&
        (event as WithSource).data.sourceIp === '203.0.113.9',
    )) as WithSource[];
    expect(signedIn).toBeDefined();
  });

  it('ignores X-Forwarded-For from anyone it does not trust', async () => {
    const call = caller(untrusting);
    const user = await signUpUser(call, 'direct');
    expect((await signInAs(call, user.email, user.password)).status).toBe(201);
    const session = await prisma.session.findFirstOrThrow({
      where: { userId: user.id, userAgent: 'Firefox/133.0 (test)' },
    });
    expect(session.ip).not.toBe('203.0.113.9');
    expect(session.ip).toMatch(/127\.0\.0\.1|::1/);
  });

  it('gives the token endpoint the same address, for its failure events and per-address limits', async () => {
    const clientId = `pcl_client_${randomUUID()}`;
    const attempt = (identity: IdentityTestApp) =>
      fetch(`${identity.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': '198.51.100.23',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: 'not-the-secret',
        }),
      });
    expect((await attempt(trusting)).status).toBe(401);
    expect((await attempt(untrusting)).status).toBe(401);
    const failures = (await events.waitFor(
      (event) => event.data.action === 'client_auth.failed' && event.data.actor.id === clientId,
      2,
    )) as WithSource[];
    const addresses = failures.map((event) => event.data.sourceIp);
    expect(addresses).toHaveLength(2);
    expect(addresses).toContain('198.51.100.23');
    expect(addresses.find((address) => address !== '198.51.100.23')).toMatch(/127\.0\.0\.1|::1/);
  });
});
