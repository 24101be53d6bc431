import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import { caller, signUpUser, type Call, type TestUser } from '../support/management-fixtures.js';

/**
 * Adding members by e-mail tells whether an account exists, so each person gets a few "no such
 * user" answers per window (TEAM_MEMBER_LOOKUP_MAX_MISSES=3 here), then 429 for every add.
 */
describe('team member lookups per person', () => {
  let identity: IdentityTestApp;
  /** A second replica on the same database and Redis. */
  let replica: IdentityTestApp;
  let call: Call;
  let callReplica: Call;
  beforeAll(async () => {
    const env = { TEAM_MEMBER_LOOKUP_MAX_MISSES: '3', TEAM_MEMBER_LOOKUP_WINDOW_SECONDS: '600' };
    [identity, replica] = await Promise.all([startIdentity(env), startIdentity(env)]);
    call = caller(identity);
    callReplica = caller(replica);
  });
  afterAll(async () => {
    await Promise.all([identity?.close(), replica?.close()]);
  });

  async function ownTeam(user: TestUser): Promise<string> {
    const created = await call('POST', '/v1/teams', {
      token: user.token,
      body: { name: `Probe team ${user.email.slice(0, 12)}` },
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  const add = (user: TestUser, teamId: string, email: string, via = call) =>
    via('POST', `/v1/teams/${teamId}/members`, {
      token: user.token,
      body: { email, role: 'member' },
    });

  it('answers "no such user" a few times, then refuses every add until the window ends', async () => {
    const prober = await signUpUser(call, 'prober');
    const existing = await signUpUser(call, 'probed');
    const bystander = await signUpUser(call, 'bystander');
    const teamId = await ownTeam(prober);

    for (let index = 0; index < 3; index += 1) {
      const missing = await add(prober, teamId, `nobody-${index}-${prober.email}`);
      expect(missing.status).toBe(404);
    }
    const fourth = await add(prober, teamId, `nobody-3-${prober.email}`);
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(fourth.body.detail).toMatch(/adding members is paused for 10 minutes\.$/);
    // An account that exists gets the same 429: a 201 would answer the question anyway. So does
    // every replica (the count is in Redis), not only the one that counted the misses.
    const found = await add(prober, teamId, existing.email);
    expect(found.status).toBe(429);
    const elsewhere = await add(prober, teamId, existing.email, callReplica);
    expect(elsewhere.status).toBe(429);
    expect(Number(elsewhere.headers.get('retry-after'))).toBeGreaterThan(500);
    const team = await call('GET', `/v1/teams/${teamId}`, { token: prober.token });
    expect((team.body.members as { userId: string }[]).map((member) => member.userId)).toEqual([
      prober.id,
    ]);

    // Counted per person: someone else adds as before.
    const otherTeam = await ownTeam(bystander);
    expect((await add(bystander, otherTeam, `nobody-${bystander.email}`)).status).toBe(404);
    expect((await add(bystander, otherTeam, existing.email)).status).toBe(201);
  });
});
