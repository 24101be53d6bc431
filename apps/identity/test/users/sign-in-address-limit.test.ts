import { fetch, type Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import { loopbackAgent } from '../support/oauth-fixtures.js';
import {
  ManagementEventReader,
  signInFrom,
  signUpUser,
  caller,
  type TestUser,
} from '../support/management-fixtures.js';

function redisDatabase(url: string, database: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Credential stuffing: one wrong guess for each of many accounts locks none of them, so the address
 * the guesses come from is counted. A small limit here (SIGN_IN_MAX_FAILURES_PER_ADDRESS=4: four
 * failures pass, the fifth closes the address to new devices).
 */
describe('failed sign-ins per address', () => {
  let identity: IdentityTestApp;
  /** A second replica on the same database and Redis. */
  let replica: IdentityTestApp;
  let events: ManagementEventReader;
  beforeAll(async () => {
    events = new ManagementEventReader();
    const env = {
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: '4',
      SIGN_IN_ADDRESS_WINDOW_SECONDS: '600',
      // A Redis database of its own: the rest of the suite fails sign-ins from 127.0.0.1 (under a
      // raised limit) into the shared one, and this limit of 4 would read those counts too.
      REDIS_URL: redisDatabase(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 7),
    };
    [identity, replica] = await Promise.all([
      startIdentity(env),
      startIdentity(env),
      events.start(),
    ]);
  });
  afterAll(async () => {
    await events?.stop();
    await Promise.all([identity?.close(), replica?.close()]);
  });

  /** Signs in over a connection from its own loopback address (127.x.y.z). */
  async function signInVia(
    agent: Agent,
    body: { email: string; password: string; deviceToken?: string },
    via = identity,
  ) {
    const response = await fetch(`${via.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher: agent,
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  it('holds back new devices from an address that failed for many accounts, never known ones', async () => {
    const call = caller(identity);
    const victims: TestUser[] = [];
    for (let index = 0; index < 4; index += 1)
      victims.push(await signUpUser(call, `stuffed${index}`));
    const attacker = loopbackAgent().agent;
    const neighbour = loopbackAgent().agent;
    try {
      // One guess per account, and two for e-mails nobody has: no account gets near a lockout.
      // Four failures are allowed; the fifth is one too many.
      for (const victim of victims.slice(0, 3)) {
        expect(
          (await signInVia(attacker, { email: victim.email, password: 'guess-123456' })).status,
        ).toBe(401);
      }
      for (const nobody of ['nobody-1', 'nobody-2']) {
        expect(
          (
            await signInVia(attacker, {
              email: `${nobody}-${Date.now()}@example.test`,
              password: 'x'.repeat(12),
            })
          ).status,
        ).toBe(401);
      }
      // The address is over its limit: even the right password from a new device waits.
      const held = await signInVia(attacker, {
        email: victims[3]!.email,
        password: victims[3]!.password,
      });
      expect(held.status).toBe(429);
      expect(Number(held.retryAfter)).toBeGreaterThan(0);
      expect(held.body).toMatchObject({
        status: 429,
        type: expect.stringContaining('too-many-requests'),
      });
      expect(String(held.body.detail)).toMatch(/network address/);
      // The same answer for an e-mail nobody has: it tells nothing about accounts.
      expect(
        (
          await signInVia(attacker, {
            email: `nobody-else-${Date.now()}@example.test`,
            password: 'x'.repeat(12),
          })
        ).status,
      ).toBe(429);
      // A device that signed in before still gets in from that address.
      const known = await signInVia(attacker, {
        email: victims[0]!.email,
        password: victims[0]!.password,
        deviceToken: victims[0]!.deviceToken,
      });
      expect(known.status).toBe(201);
      // Other addresses are not affected.
      expect(
        (await signInVia(neighbour, { email: victims[3]!.email, password: victims[3]!.password }))
          .status,
      ).toBe(201);
      await events.waitFor(
        (event) =>
          event.data.action === 'user.sign_in_failed' &&
          event.data.details.reason === 'address_limited' &&
          event.data.actor.label === victims[3]!.email,
      );
    } finally {
      await Promise.all([attacker.close(), neighbour.close()]);
    }
    // The accounts themselves were never locked: the victims sign in as usual elsewhere.
    expect((await signInFrom(call, victims[1]!.email, victims[1]!.password)).token).toMatch(
      /^pcl_sess_/,
    );
  });

  it('holds the address back on every replica, not only where it went over', async () => {
    const call = caller(identity);
    const victim = await signUpUser(call, 'replicated');
    const attacker = loopbackAgent().agent;
    try {
      // One guess each for e-mails nobody has (no account lockout gets involved), alternating
      // replicas: the failures count in Redis whichever replica saw them.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const guess = {
          email: `nobody-${attempt}-${Date.now()}@example.test`,
          password: 'x'.repeat(12),
        };
        const via = attempt % 2 === 0 ? identity : replica;
        expect((await signInVia(attacker, guess, via)).status).toBe(401);
      }
      // Over the limit now. The replica that did not see the last failure refuses too, before it
      // checks the (right) password, so no replica gives the address an extra guess.
      const right = { email: victim.email, password: victim.password };
      const held = await signInVia(attacker, right, replica);
      expect(held.status).toBe(429);
      expect(Number(held.retryAfter)).toBeGreaterThan(500);
      expect((await signInVia(attacker, right, identity)).status).toBe(429);
    } finally {
      await attacker.close();
    }
  });
});
