import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  createApplication,
  createTeam,
  createTestApi,
  ManagementEventReader,
  signUpUser,
  testPrisma,
  type Call,
  type TestApi,
  type TestUser,
} from '../support/management-fixtures.js';

describe('subscription approval flow', () => {
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
    // The approver belongs to the team that owns the API, which makes them its approver.
    approver = await signUpUser(call, 'approver');
    const ownerTeam = await createTeam(call, approver.token, 'owners');
    api = await createTestApi(call, admin.token, ownerTeam);
    // Re-sign-in is not needed: the principal is rebuilt from the database on every request.
  });
  afterAll(async () => {
    await reader?.stop();
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('goes from request to approval with the whole history, notifications and events', async () => {
    const developer = await signUpUser(call, 'developer');
    const appId = await createApplication(call, developer.token, developer.personalTeamId);

    const requested = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: {
        apiSlug: api.slug,
        planName: 'free',
        environment: 'production',
        justification: 'Nightly reconciliation job',
      },
    });
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ status: 'pending', environment: 'production' });
    const subscriptionId = requested.body.id as string;

    const duplicate = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: { apiSlug: api.slug, planName: 'free', environment: 'production' },
    });
    expect(duplicate.status).toBe(409);

    const inbox = await call('GET', '/v1/approvals?status=pending', { token: approver.token });
    expect(inbox.status).toBe(200);
    const item = (inbox.body.items as { id: string }[]).find(
      (entry) => entry.id === subscriptionId,
    );
    expect(item).toMatchObject({
      justification: 'Nightly reconciliation job',
      application: { id: appId },
      team: { id: developer.personalTeamId },
      requestedBy: { email: developer.email },
      ownTeam: false,
    });
    const approverNotes = await call('GET', '/v1/notifications', { token: approver.token });
    expect(approverNotes.body.items).toContainEqual(
      expect.objectContaining({
        kind: 'subscription.requested',
        payload: expect.objectContaining({ subscriptionId }),
      }),
    );

    // The developer cannot approve their own request.
    const selfApprove = await call('POST', `/v1/subscriptions/${subscriptionId}/approve`, {
      token: developer.token,
      body: {},
    });
    expect(selfApprove.status).toBe(403);

    const approved = await call('POST', `/v1/subscriptions/${subscriptionId}/approve`, {
      token: approver.token,
      body: { comment: 'Looks fine', scopes: ['things:read'] },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', grantedScopes: ['things:read'] });

    const again = await call('POST', `/v1/subscriptions/${subscriptionId}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(again.status).toBe(409);

    const history = await call('GET', `/v1/subscriptions/${subscriptionId}`, {
      token: developer.token,
    });
    expect(history.status).toBe(200);
    expect(history.body.decisions).toEqual([
      expect.objectContaining({
        from: null,
        to: 'pending',
        comment: 'Nightly reconciliation job',
        actor: expect.objectContaining({ id: developer.id, email: developer.email }),
      }),
      expect.objectContaining({
        from: 'pending',
        to: 'approved',
        comment: 'Looks fine',
        actor: expect.objectContaining({ id: approver.id, email: approver.email }),
        at: expect.any(String),
      }),
    ]);

    const notes = await call('GET', '/v1/notifications?unread=true', { token: developer.token });
    const approvedNote = (
      notes.body.items as { id: string; kind: string; payload: { comment: string } }[]
    ).find((note) => note.kind === 'subscription.approved');
    expect(approvedNote?.payload.comment).toBe('Looks fine');
    expect(
      (await call('POST', `/v1/notifications/${approvedNote!.id}/read`, { token: developer.token }))
        .status,
    ).toBe(204);
    // Someone else's notification is not found, not readable.
    expect(
      (await call('POST', `/v1/notifications/${approvedNote!.id}/read`, { token: approver.token }))
        .status,
    ).toBe(404);

    const changes = await prisma.configChange.count({
      where: { kind: 'subscription.changed', entityId: subscriptionId },
    });
    expect(changes).toBe(2);

    const events = await reader.waitFor((event) => event.data.target.id === subscriptionId, 2);
    expect(events.map((event) => event.data.action)).toEqual([
      'subscription.requested',
      'subscription.approved',
    ]);
    expect(events[1]!.data).toMatchObject({
      actor: { type: 'user', id: approver.id, label: approver.email },
      apiId: api.id,
      appId,
      teamId: developer.personalTeamId,
      details: { comment: 'Looks fine', from: 'pending', to: 'approved', scopes: ['things:read'] },
    });

    // Consumers of the API, as its approver sees them.
    const consumers = await call('GET', `/v1/apis/${api.slug}/consumers`, {
      token: approver.token,
    });
    expect(consumers.status).toBe(200);
    expect(consumers.body.items).toContainEqual(
      expect.objectContaining({
        subscriptionId,
        application: expect.objectContaining({ id: appId }),
        contactEmails: [developer.email],
      }),
    );

    // Suspend, resume, then the developer withdraws it.
    for (const [action, body, status] of [
      ['suspend', { comment: 'Abuse report' }, 'suspended'],
      ['resume', {}, 'approved'],
    ] as const) {
      const response = await call('POST', `/v1/subscriptions/${subscriptionId}/${action}`, {
        token: approver.token,
        body,
      });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe(status);
    }
    const revoked = await call('POST', `/v1/subscriptions/${subscriptionId}/revoke`, {
      token: developer.token,
      body: { comment: 'No longer needed' },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.decisions.map((decision: { to: string }) => decision.to)).toEqual([
      'pending',
      'approved',
      'suspended',
      'approved',
      'revoked',
    ]);
    const later = await reader.waitFor((event) => event.data.target.id === subscriptionId, 5);
    expect(later.map((event) => event.data.action)).toEqual([
      'subscription.requested',
      'subscription.approved',
      'subscription.suspended',
      'subscription.resumed',
      'subscription.revoked',
    ]);
  });

  it('rejects with a required comment, and the developer may ask again', async () => {
    const developer = await signUpUser(call, 'rejected');
    const appId = await createApplication(call, developer.token, developer.personalTeamId);
    const requested = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: { apiSlug: api.slug, planId: api.plans[0]!.id, environment: 'production' },
    });
    const id = requested.body.id as string;

    const noComment = await call('POST', `/v1/subscriptions/${id}/reject`, {
      token: approver.token,
      body: {},
    });
    expect(noComment.status).toBe(400);
    expect(noComment.body.errors).toEqual([expect.objectContaining({ path: 'comment' })]);

    const rejected = await call('POST', `/v1/subscriptions/${id}/reject`, {
      token: approver.token,
      body: { comment: 'Use the sandbox first' },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    const notes = await call('GET', '/v1/notifications', { token: developer.token });
    expect(notes.body.items[0]).toMatchObject({
      kind: 'subscription.rejected',
      payload: { comment: 'Use the sandbox first', subscriptionId: id },
    });
    const [event] = await reader.waitFor(
      (candidate) =>
        candidate.data.target.id === id && candidate.data.action === 'subscription.rejected',
    );
    expect(event!.data.details).toMatchObject({ comment: 'Use the sandbox first' });

    const retry = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: {
        apiSlug: api.slug,
        planName: 'free',
        environment: 'production',
        justification: 'Tested',
      },
    });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(id);
    expect(retry.body.status).toBe('pending');
    expect(retry.body.decisions.map((decision: { to: string }) => decision.to)).toEqual([
      'pending',
      'rejected',
      'pending',
    ]);
  });

  it('approves sandbox requests automatically when the API says auto', async () => {
    const developer = await signUpUser(call, 'sandbox');
    const appId = await createApplication(call, developer.token, developer.personalTeamId);
    const response = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: { apiSlug: api.slug, planName: 'free', environment: 'sandbox' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      status: 'approved',
      grantedScopes: ['things:read', 'things:write'],
    });
    expect(response.body.decisions[1]).toMatchObject({
      from: 'pending',
      to: 'approved',
      actor: { id: null },
    });
    const events = await reader.waitFor((event) => event.data.target.id === response.body.id, 2);
    expect(events[1]!.data.actor.type).toBe('system');
  });

  it('enforces separation of duties: no approving for your own team (admins excepted)', async () => {
    const appId = await createApplication(call, approver.token, approver.personalTeamId);
    const requested = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: approver.token,
      body: { apiSlug: api.slug, planName: 'free', environment: 'production' },
    });
    const id = requested.body.id as string;
    const inbox = await call('GET', '/v1/approvals', { token: approver.token });
    expect(
      (inbox.body.items as { id: string; ownTeam: boolean }[]).find((item) => item.id === id),
    ).toMatchObject({ ownTeam: true });
    const own = await call('POST', `/v1/subscriptions/${id}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(own.status).toBe(403);
    expect(own.body.detail).toMatch(/Separation of duties/);
    const byAdmin = await call('POST', `/v1/subscriptions/${id}/approve`, {
      token: admin.token,
      body: { comment: 'Second pair of eyes' },
    });
    expect(byAdmin.status).toBe(200);
  });

  it('refuses unknown scopes and bad bodies with validation problems, never 500', async () => {
    const developer = await signUpUser(call, 'badinput');
    const appId = await createApplication(call, developer.token, developer.personalTeamId);
    const bad = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: { apiSlug: api.slug, environment: 'staging', planId: 'x', planName: 'free' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((bad.body.errors as { path: string }[]).map((error) => error.path).sort()).toEqual([
      'environment',
      'planId',
    ]);
    const requested = await call('POST', `/v1/applications/${appId}/subscriptions`, {
      token: developer.token,
      body: { apiSlug: api.slug, planName: 'free', environment: 'production' },
    });
    const unknownScope = await call('POST', `/v1/subscriptions/${requested.body.id}/approve`, {
      token: approver.token,
      body: { scopes: ['things:delete'] },
    });
    expect(unknownScope.status).toBe(400);
    expect(unknownScope.body.errors[0].message).toContain('things:delete');
    const notJson = await fetch(`${identity.url}/v1/subscriptions/${requested.body.id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${approver.token}`, 'content-type': 'application/json' },
      body: '{"comment":',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toContain('application/problem+json');
  });
});
