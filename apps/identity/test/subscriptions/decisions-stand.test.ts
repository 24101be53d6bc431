import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  createApplication,
  createTeam,
  createTestApi,
  grantRole,
  ManagementEventReader,
  signUpUser,
  testPrisma,
  type Call,
  type TestApi,
  type TestUser,
} from '../support/management-fixtures.js';

/**
 * An approver's decision binds the application's team: it can neither withdraw a suspension nor
 * ask again to be approved automatically after a rejection, suspension or revocation. And nobody
 * grants access they asked for themselves.
 */
describe('approver decisions stand', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let reader: ManagementEventReader;
  let admin: TestUser;
  let approver: TestUser;
  let api: TestApi;

  beforeAll(async () => {
    reader = new ManagementEventReader();
    [identity] = await Promise.all([startIdentity(), reader.start()]);
    call = caller(identity);
    prisma = testPrisma();
    admin = await createAdmin(call, prisma);
    // Member of the team owning the API, hence its approver. Sandbox is auto, production manual.
    approver = await signUpUser(call, 'approver');
    api = await createTestApi(call, admin.token, await createTeam(call, approver.token, 'owners'));
  });
  afterAll(async () => {
    await reader?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  async function requestAccess(
    developer: TestUser,
    appId: string,
    environment = 'sandbox',
    apiSlug = api.slug,
  ) {
    return call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: { apiSlug, planName: 'free', environment },
    });
  }

  async function decide(token: string, id: string, action: string, comment?: string) {
    return call('POST', `/v1/subscriptions/${id}/${action}`, {
      token,
      body: comment === undefined ? {} : { comment },
    });
  }

  /** A sandbox subscription approved automatically, for a fresh developer's application. */
  async function autoApproved() {
    const developer = await signUpUser(call, 'consumer');
    const appId = await createApplication(call, developer.token, developer.personalTeamId);
    const requested = await requestAccess(developer, appId);
    expect(requested.body.status).toBe('approved');
    return { developer, appId, id: requested.body.id as string };
  }

  it("sends an approver's own production request to someone else, even when production is automatic", async () => {
    // The owning team may make production automatic; its own request must still be decided by another.
    const patched = await call('PATCH', `/v1/apis/${api.slug}`, {
      token: approver.token,
      body: { approval: { sandbox: 'auto', production: 'auto' } },
    });
    expect(patched.status).toBe(200);
    try {
      const ownApp = await createApplication(call, approver.token, approver.personalTeamId);
      const own = await requestAccess(approver, ownApp, 'production');
      expect(own.status).toBe(201);
      expect(own.body.status).toBe('pending');
      // Other consumers get the automatic approval the API asks for.
      const developer = await signUpUser(call, 'prodconsumer');
      const appId = await createApplication(call, developer.token, developer.personalTeamId);
      expect((await requestAccess(developer, appId, 'production')).body.status).toBe('approved');
      // Someone else (here an admin) decides the approver's own request.
      expect((await decide(admin.token, own.body.id as string, 'approve')).status).toBe(200);
    } finally {
      await call('PATCH', `/v1/apis/${api.slug}`, {
        token: approver.token,
        body: { approval: { sandbox: 'auto', production: 'manual' } },
      });
    }
  });

  it('does not let the application team withdraw a suspended subscription', async () => {
    const { developer, appId, id } = await autoApproved();
    expect((await decide(approver.token, id, 'suspend', 'Abuse report')).status).toBe(200);

    const withdrawn = await decide(developer.token, id, 'revoke', 'We are done with it');
    expect(withdrawn.status).toBe(403);
    expect(withdrawn.headers.get('content-type')).toContain('application/problem+json');
    expect(withdrawn.body.detail).toMatch(/cannot withdraw a suspended subscription/);
    // Deleting the application would revoke it too: refused before anything changes.
    const deleted = await call('DELETE', `/v1/applications/${appId}?revokeSubscriptions=true`, {
      token: developer.token,
    });
    expect(deleted.status).toBe(409);
    expect(deleted.body.detail).toContain(`${api.slug} in sandbox`);
    const row = await prisma.subscription.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe('suspended');
    expect(await prisma.application.count({ where: { id: appId } })).toBe(1);

    // An approver still can.
    const revoked = await decide(approver.token, id, 'revoke', 'Abuse confirmed');
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
  });

  it("sends a re-request after an approver's revocation to an approver, whatever the mode", async () => {
    const { developer, appId, id } = await autoApproved();
    expect((await decide(approver.token, id, 'revoke', 'Leaked credentials')).status).toBe(200);

    const again = await requestAccess(developer, appId);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id, status: 'pending', grantedScopes: [] });
    const revocation = (again.body.decisions as { id: string; to: string }[]).find(
      (decision) => decision.to === 'revoked',
    );
    const [event] = await reader.waitFor(
      (candidate) =>
        candidate.data.target.id === id &&
        candidate.data.action === 'subscription.requested' &&
        candidate.data.details.approvalMode === 'manual',
    );
    expect(event!.data.details).toMatchObject({
      priorRefusal: { decisionId: revocation!.id, status: 'revoked' },
    });
    const inbox = await call('GET', '/v1/approvals?status=pending', { token: approver.token });
    expect((inbox.body.items as { id: string }[]).map((item) => item.id)).toContain(id);

    // An approver's approval lifts it: the team's own withdrawal afterwards is theirs to redo.
    expect((await decide(approver.token, id, 'approve', 'Rotated, fine again')).status).toBe(200);
    expect((await decide(developer.token, id, 'revoke', 'Not needed')).status).toBe(200);
    const redone = await requestAccess(developer, appId);
    expect(redone.body.status).toBe('approved');
  });

  it('keeps a rejection standing after the team withdraws its pending re-request', async () => {
    // Rejected while sandbox requests were manual; auto since.
    const strict = await createTestApi(call, admin.token, api.ownerTeamId, {
      approval: { sandbox: 'manual', production: 'manual' },
    });
    const developer = await signUpUser(call, 'rejected');
    const appId = await createApplication(call, developer.token, developer.personalTeamId);
    const requested = await requestAccess(developer, appId, 'sandbox', strict.slug);
    expect(requested.body.status).toBe('pending');
    const id = requested.body.id as string;
    expect((await decide(approver.token, id, 'reject', 'Not for this use')).status).toBe(200);
    await prisma.api.update({ where: { id: strict.id }, data: { approvalModeSandbox: 'auto' } });

    const again = await requestAccess(developer, appId, 'sandbox', strict.slug);
    expect(again.body.status).toBe('pending');
    // Withdrawing the pending request does not lift the rejection either.
    expect((await decide(developer.token, id, 'revoke', 'Oops')).status).toBe(200);
    const third = await requestAccess(developer, appId, 'sandbox', strict.slug);
    expect(third.body.status).toBe('pending');
    expect(third.body.decisions.map((decision: { to: string }) => decision.to)).toEqual([
      'pending',
      'rejected',
      'pending',
      'revoked',
      'pending',
    ]);
  });

  it('keeps a suspension standing when the team revoked it before this rule existed', async () => {
    const { developer, appId, id } = await autoApproved();
    expect((await decide(approver.token, id, 'suspend', 'Abuse report')).status).toBe(200);
    // What the old code let the team do, written as it would have been.
    await prisma.$transaction([
      prisma.subscription.update({ where: { id }, data: { status: 'revoked' } }),
      prisma.subscriptionDecision.create({
        data: {
          subscriptionId: id,
          actorUserId: developer.id,
          fromStatus: 'suspended',
          toStatus: 'revoked',
          comment: 'Withdrawn',
        },
      }),
    ]);
    const again = await requestAccess(developer, appId);
    expect(again.body.status).toBe('pending');
  });

  it("counts an approver's revocation as theirs even when the team has added them", async () => {
    // The team adds the API's approver before the revocation: not a withdrawal by the team.
    const { developer, appId, id } = await autoApproved();
    expect(
      (
        await call('POST', `/v1/teams/${developer.personalTeamId}/members`, {
          token: developer.token,
          body: { email: approver.email },
        })
      ).status,
    ).toBe(201);
    expect((await decide(approver.token, id, 'revoke', 'Policy breach')).status).toBe(200);
    expect((await requestAccess(developer, appId)).body.status).toBe('pending');

    // A per-API approver who revokes, loses the role, and is added to the team afterwards.
    const other = await autoApproved();
    const former = await signUpUser(call, 'former');
    await grantRole(prisma, former.id, 'approver', api.id);
    expect((await decide(former.token, other.id, 'revoke', 'Policy breach')).status).toBe(200);
    await prisma.roleAssignment.deleteMany({ where: { userId: former.id } });
    expect(
      (
        await call('POST', `/v1/teams/${other.developer.personalTeamId}/members`, {
          token: other.developer.token,
          body: { email: former.email },
        })
      ).status,
    ).toBe(201);
    expect((await requestAccess(other.developer, other.appId)).body.status).toBe('pending');
  });

  it('refuses to let anyone grant a request they made, even after leaving the team', async () => {
    const owner = await signUpUser(call, 'teamowner');
    const teamId = await createTeam(call, owner.token, 'consumers');
    const appId = await createApplication(call, owner.token, teamId);
    const insider = await signUpUser(call, 'insider');
    await grantRole(prisma, insider.id, 'approver', api.id);
    expect(
      (
        await call('POST', `/v1/teams/${teamId}/members`, {
          token: owner.token,
          body: { email: insider.email },
        })
      ).status,
    ).toBe(201);
    const requested = await requestAccess(insider, appId, 'production');
    expect(requested.body.status).toBe('pending');
    const id = requested.body.id as string;
    expect(
      (await call('DELETE', `/v1/teams/${teamId}/members/${insider.id}`, { token: insider.token }))
        .status,
    ).toBe(204);

    const own = await decide(insider.token, id, 'approve', 'Looks fine to me');
    expect(own.status).toBe(403);
    expect(own.headers.get('content-type')).toContain('application/problem+json');
    expect(own.body.detail).toMatch(/Separation of duties: you requested this subscription/);
    // The inbox marks it for them.
    const inbox = await call('GET', '/v1/approvals?status=pending', { token: insider.token });
    expect((inbox.body.items as { id: string }[]).find((item) => item.id === id)).toMatchObject({
      ownTeam: false,
      ownRequest: true,
    });

    expect((await decide(approver.token, id, 'approve')).status).toBe(200);
    expect((await decide(approver.token, id, 'suspend', 'Quota abuse')).status).toBe(200);
    const resumed = await decide(insider.token, id, 'resume');
    expect(resumed.status).toBe(403);
    expect(resumed.body.detail).toMatch(/you requested this subscription/);
    expect((await prisma.subscription.findUniqueOrThrow({ where: { id } })).status).toBe(
      'suspended',
    );
  });

  it('holds admins to it as well', async () => {
    const appId = await createApplication(call, admin.token, admin.personalTeamId);
    const requested = await requestAccess(admin, appId, 'production');
    const own = await decide(admin.token, requested.body.id as string, 'approve');
    expect(own.status).toBe(403);
    expect(own.body.detail).toMatch(/you requested this subscription/);
  });
});
