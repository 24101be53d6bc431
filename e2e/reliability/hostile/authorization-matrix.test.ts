import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type AppProcess } from '../../support/app-process.js';
import { Fixtures } from '../../support/fixtures.js';
import { startIdentityProcess } from '../../support/stack.js';
import { startPortalProcess } from '../../portal/support/portal-process.js';
import {
  callJson,
  DEV_SERVICE_TOKENS,
  documentedOperations,
  seedCast,
  startAuditProcess,
  type Cast,
} from '../support/hostile-stack.js';
import { recordFinding } from '../support/reliability-report.js';

/**
 * Who may call what, written down route by route, against the real identity, audit and portal.
 * The route lists come from the services themselves (OpenAPI documents, the portal's build
 * manifest): a route added without an entry here fails the test until someone decides who may
 * call it. identity is called anonymously, with every service token and as every person (with
 * random ids: what the role guards decide); apps/identity/test/authorization/route-matrix.test.ts
 * goes further for people, with real teams, applications and subscriptions.
 */
const SERVICES = ['anon', 'svcGateway', 'svcAudit', 'svcPortal'] as const;
const PEOPLE = ['dev', 'apThis', 'apOther', 'sec', 'admin'] as const;
const ROLES = [...SERVICES, ...PEOPLE] as const;
type Role = (typeof ROLES)[number];

const SERVICE_TOKENS: Record<Exclude<(typeof SERVICES)[number], 'anon'>, string> = {
  svcGateway: DEV_SERVICE_TOKENS.gateway,
  svcAudit: DEV_SERVICE_TOKENS.audit,
  svcPortal: DEV_SERVICE_TOKENS.portal,
};

// ---- identity: anonymous and service callers on every documented route ----

type ServiceExpectation = Record<(typeof SERVICES)[number], number>;
const servicesRefused: ServiceExpectation = {
  anon: 401,
  svcGateway: 403,
  svcAudit: 403,
  svcPortal: 403,
};
/** Public routes answer everyone the same; the request here is empty, so that answer is 400. */
const publicEmpty = (status: number): ServiceExpectation => ({
  anon: status,
  svcGateway: status,
  svcAudit: status,
  svcPortal: status,
});

const IDENTITY: Record<string, ServiceExpectation> = {
  'GET /v1/gateway/snapshot': { ...servicesRefused, svcGateway: 200 },
  'GET /.well-known/oauth-authorization-server': publicEmpty(200),
  'GET /.well-known/jwks.json': publicEmpty(200),
  'POST /oauth2/token': publicEmpty(400),
  'POST /oauth2/introspect': publicEmpty(400),
  'POST /oauth2/revoke': publicEmpty(400),
  'POST /v1/users': publicEmpty(400),
  'POST /v1/sessions': publicEmpty(400),
  'GET /v1/apis': { ...servicesRefused, svcPortal: 200 },
  // The portal service may read one API too: this one does not exist.
  'GET /v1/apis/{slug}': { ...servicesRefused, svcPortal: 404 },
  // Built for audit's alert responses (apps/audit/README.md): audit's token only.
  'PUT /v1/security/responses/{id}': { ...servicesRefused, svcAudit: 400 },
  'GET /v1/security/responses/{id}': { ...servicesRefused, svcAudit: 404 },
  'DELETE /v1/security/responses/{id}': { ...servicesRefused, svcAudit: 404 },
  // Redeeming a one-time password reset needs no session: the code is the credential.
  'POST /v1/password-resets': publicEmpty(400),
  // Whether sign-up is open: the portal's sign-up form asks before anyone is signed in.
  'GET /v1/sign-up-policy': publicEmpty(200),
  ...Object.fromEntries(
    [
      'POST /v1/applications/{appId}/credentials',
      'GET /v1/applications/{appId}/credentials',
      'POST /v1/applications/{appId}/credentials/{credentialId}/rotate',
      'POST /v1/applications/{appId}/credentials/{credentialId}/revoke',
      'POST /v1/teams/{teamId}/webhooks',
      'GET /v1/teams/{teamId}/webhooks',
      'DELETE /v1/teams/{teamId}/webhooks/{webhookId}',
      'GET /v1/teams/{teamId}/webhooks/{webhookId}/deliveries',
      // Blocks set by hand: security and admin people only, never a service.
      'GET /v1/security/blocks',
      'POST /v1/security/blocks',
      'DELETE /v1/security/blocks/{id}',
      'POST /v1/me/password',
      'POST /v1/users/{id}/password-reset',
      'POST /v1/invitations',
      'GET /v1/invitations',
      'DELETE /v1/invitations/{id}',
      'POST /v1/users/{id}/disable',
      'POST /v1/users/{id}/enable',
      'POST /v1/me/mfa/recovery-codes',
      'GET /v1/me/devices',
      'DELETE /v1/me/devices/{id}',
      'GET /v1/notifications',
      'POST /v1/notifications/read-all',
      'POST /v1/notifications/{id}/read',
      'POST /v1/teams',
      'GET /v1/teams',
      'GET /v1/teams/{id}',
      'POST /v1/teams/{id}/members',
      'DELETE /v1/teams/{id}/members/{userId}',
      'GET /v1/users',
      'GET /v1/me',
      'DELETE /v1/sessions/current',
      'DELETE /v1/sessions/others',
      'POST /v1/me/mfa/totp',
      'DELETE /v1/me/mfa/totp',
      'POST /v1/me/mfa/totp/confirm',
      'POST /v1/sessions/current/mfa',
      'GET /v1/users/{id}',
      'POST /v1/users/{id}/roles',
      'DELETE /v1/users/{id}/roles/{assignmentId}',
      'POST /v1/apis',
      'PATCH /v1/apis/{slug}',
      'DELETE /v1/apis/{slug}',
      'GET /v1/apis/{slug}/consumers',
      'POST /v1/applications/{appId}/subscriptions',
      'GET /v1/applications/{appId}/subscriptions',
      'GET /v1/subscriptions/{id}',
      'GET /v1/approvals',
      'POST /v1/subscriptions/{id}/approve',
      'POST /v1/subscriptions/{id}/reject',
      'POST /v1/subscriptions/{id}/suspend',
      'POST /v1/subscriptions/{id}/resume',
      'POST /v1/subscriptions/{id}/revoke',
      'POST /v1/teams/{teamId}/applications',
      'GET /v1/applications',
      'GET /v1/applications/{id}',
      'PATCH /v1/applications/{id}',
      'DELETE /v1/applications/{id}',
    ].map((route) => [route, servicesRefused]),
  ),
};

// ---- identity: every person on every documented route ----

type People = Record<(typeof PEOPLE)[number], number>;
/**
 * Routes whose role guard tells people apart. Called with random ids and an empty body, every
 * other route must answer all five people alike (a role check there would make them differ, and
 * fail the test until it is written down here). Guards run before validation, so a refused role
 * is 403 whatever the body; the allowed ones meet validation (400) or the missing id (404).
 */
const people = (allowed: (typeof PEOPLE)[number][], status: number, others = 403): People =>
  Object.fromEntries(
    PEOPLE.map((person) => [person, allowed.includes(person) ? status : others]),
  ) as People;
const IDENTITY_PEOPLE: Record<string, People> = {
  // The gateway's feed: its service token only.
  'GET /v1/gateway/snapshot': people([], 403),
  'PUT /v1/security/responses/{id}': people(['sec', 'admin'], 400),
  'GET /v1/security/responses/{id}': people(['sec', 'admin'], 404),
  'DELETE /v1/security/responses/{id}': people(['sec', 'admin'], 404),
  'GET /v1/security/blocks': people(['sec', 'admin'], 200),
  'POST /v1/security/blocks': people(['sec', 'admin'], 400),
  'DELETE /v1/security/blocks/{id}': people(['sec', 'admin'], 404),
  'GET /v1/users': people(['sec', 'admin'], 200),
  'GET /v1/users/{id}': people(['sec', 'admin'], 404),
  // Changing people: admins only (security reads them).
  'POST /v1/users/{id}/password-reset': people(['admin'], 404),
  'POST /v1/invitations': people(['admin'], 400),
  'GET /v1/invitations': people(['admin'], 200),
  'DELETE /v1/invitations/{id}': people(['admin'], 404),
  'POST /v1/users/{id}/disable': people(['admin'], 404),
  'POST /v1/users/{id}/enable': people(['admin'], 404),
  'POST /v1/users/{id}/roles': people(['admin'], 400),
  'DELETE /v1/users/{id}/roles/{assignmentId}': people(['admin'], 404),
  'POST /v1/apis': people(['admin'], 400),
  'DELETE /v1/apis/{slug}': people(['admin'], 404),
  // Approvers (of any API: the slug decides after the guard), admins and security.
  'GET /v1/apis/{slug}/consumers': people(['apThis', 'apOther', 'sec', 'admin'], 404),
  'GET /v1/approvals': people(['apThis', 'apOther', 'admin'], 200),
};
/** Not called with people's tokens: it would end the session the other tests use. */
const NOT_CALLED_BY_PEOPLE = new Set(['DELETE /v1/sessions/current']);

// ---- audit: every role on every documented route ----

type Expected = Record<Role, number>;
const sessionOnly = (people: Record<(typeof PEOPLE)[number], number>): Expected => ({
  // Audit accepts only session tokens: service tokens are not sessions, so 401.
  anon: 401,
  svcGateway: 401,
  svcAudit: 401,
  svcPortal: 401,
  ...people,
});
const securityTeam = (status: number) =>
  sessionOnly({ dev: 403, apThis: 403, apOther: 403, sec: status, admin: status });

interface AuditRow {
  expected: Expected;
  /** The concrete call (ids filled in); `fresh` builds a new target per role for mutations. */
  call: (context: AuditContext) => { path: string; body?: unknown };
  fresh?: (context: AuditContext) => Promise<{ path: string; body?: unknown }>;
}

interface AuditContext {
  cast: Cast;
  sinkId: string;
  alertId: string;
  newSink: () => Promise<string>;
  newAlert: () => Promise<string>;
}

const window = () => {
  const to = new Date();
  const from = new Date(to.getTime() - 3_600_000);
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
};

const AUDIT: Record<string, AuditRow> = {
  // Approvers search their own APIs' events (scoped in SQL); developers may not search at all.
  'GET /v1/audit/events': {
    expected: sessionOnly({ dev: 403, apThis: 200, apOther: 200, sec: 200, admin: 200 }),
    call: () => ({ path: `/v1/audit/events?${window()}` }),
  },
  'GET /v1/audit/events?apiId=<the approver of this one>': {
    expected: sessionOnly({ dev: 403, apThis: 200, apOther: 403, sec: 200, admin: 200 }),
    call: ({ cast }) => ({ path: `/v1/audit/events?${window()}&apiId=${cast.apiId}` }),
  },
  // Malformed input: only callers with the role may learn what the route expects (400); everyone
  // else is refused first (403), or the validator's complaints would describe the route to them.
  'GET /v1/audit/events (malformed query)': {
    expected: sessionOnly({ dev: 403, apThis: 400, apOther: 400, sec: 400, admin: 400 }),
    call: () => ({ path: '/v1/audit/events?from=not-a-time&limit=-1' }),
  },
  'GET /v1/audit/events/export': {
    expected: sessionOnly({ dev: 403, apThis: 200, apOther: 200, sec: 200, admin: 200 }),
    call: () => ({ path: `/v1/audit/events/export?${window()}&format=ndjson` }),
  },
  'GET /v1/audit/events/export (malformed query)': {
    expected: sessionOnly({ dev: 403, apThis: 400, apOther: 400, sec: 400, admin: 400 }),
    call: () => ({ path: '/v1/audit/events/export?format=xml' }),
  },
  'GET /v1/audit/usage': {
    expected: sessionOnly({ dev: 200, apThis: 200, apOther: 200, sec: 200, admin: 200 }),
    call: () => ({ path: `/v1/audit/usage?${window()}` }),
  },
  'GET /v1/audit/integrity': {
    expected: securityTeam(200),
    call: () => ({ path: `/v1/audit/integrity?${window()}` }),
  },
  'GET /v1/audit/integrity (malformed query)': {
    expected: securityTeam(400),
    call: () => ({ path: '/v1/audit/integrity?from=yesterday' }),
  },
  'POST /v1/audit/checkpoints': {
    expected: securityTeam(201),
    call: () => ({ path: '/v1/audit/checkpoints', body: { days: 1 } }),
  },
  'POST /v1/audit/checkpoints (malformed body)': {
    expected: securityTeam(400),
    call: () => ({ path: '/v1/audit/checkpoints', body: { chain: '2026-02-30', days: 0 } }),
  },
  'GET /v1/audit/checkpoints/key': {
    expected: securityTeam(200),
    call: () => ({ path: '/v1/audit/checkpoints/key' }),
  },
  // Well-formed but forged: the security team is told it does not verify (200, consistent false).
  'POST /v1/audit/integrity/checkpoint': {
    expected: securityTeam(200),
    call: () => ({
      path: '/v1/audit/integrity/checkpoint',
      body: {
        chain: new Date().toISOString().slice(0, 10),
        seq: 1,
        headHash: '0'.repeat(64),
        headEventId: randomUUID(),
        checkpointedAt: new Date().toISOString(),
        keyId: '0'.repeat(16),
        algorithm: 'Ed25519',
        signature: 'A'.repeat(86),
      },
    }),
  },
  'POST /v1/audit/integrity/checkpoint (malformed body)': {
    expected: securityTeam(400),
    call: () => ({ path: '/v1/audit/integrity/checkpoint', body: { chain: 'x' } }),
  },
  'GET /v1/siem/sinks': { expected: securityTeam(200), call: () => ({ path: '/v1/siem/sinks' }) },
  'POST /v1/siem/sinks': {
    expected: securityTeam(201),
    call: () => ({ path: '/v1/siem/sinks' }),
    fresh: async () => ({
      path: '/v1/siem/sinks',
      body: {
        name: `matrix-${randomUUID()}`,
        kind: 'webhook',
        config: { url: 'http://127.0.0.1:9/hook' },
        secret: { secret: 'matrix-webhook-secret-0123456789' },
        enabled: false,
      },
    }),
  },
  'POST /v1/siem/sinks (malformed body)': {
    expected: securityTeam(400),
    call: () => ({ path: '/v1/siem/sinks', body: { kind: 'ftp' } }),
  },
  'GET /v1/siem/sinks/{id}': {
    expected: securityTeam(200),
    call: ({ sinkId }) => ({ path: `/v1/siem/sinks/${sinkId}` }),
  },
  'PATCH /v1/siem/sinks/{id}': {
    expected: securityTeam(200),
    call: ({ sinkId }) => ({ path: `/v1/siem/sinks/${sinkId}`, body: { enabled: false } }),
  },
  'PATCH /v1/siem/sinks/{id} (malformed body)': {
    expected: securityTeam(400),
    call: ({ sinkId }) => ({ path: `/v1/siem/sinks/${sinkId}`, body: { enabled: 'yes' } }),
  },
  'DELETE /v1/siem/sinks/{id}': {
    expected: securityTeam(204),
    call: ({ sinkId }) => ({ path: `/v1/siem/sinks/${sinkId}` }),
    fresh: async ({ newSink }) => ({ path: `/v1/siem/sinks/${await newSink()}` }),
  },
  'GET /v1/siem/sinks/{id}/status': {
    expected: securityTeam(200),
    call: ({ sinkId }) => ({ path: `/v1/siem/sinks/${sinkId}/status` }),
  },
  'GET /v1/alerts': { expected: securityTeam(200), call: () => ({ path: '/v1/alerts' }) },
  'GET /v1/alerts (malformed query)': {
    expected: securityTeam(400),
    call: () => ({ path: '/v1/alerts?status=sleeping' }),
  },
  'GET /v1/alerts/{id}': {
    expected: securityTeam(200),
    call: ({ alertId }) => ({ path: `/v1/alerts/${alertId}` }),
  },
  'POST /v1/alerts/{id}/acknowledge': {
    expected: securityTeam(200),
    call: ({ alertId }) => ({ path: `/v1/alerts/${alertId}/acknowledge` }),
    fresh: async ({ newAlert }) => ({ path: `/v1/alerts/${await newAlert()}/acknowledge` }),
  },
  'POST /v1/alerts/{id}/resolve': {
    expected: securityTeam(200),
    call: ({ alertId }) => ({ path: `/v1/alerts/${alertId}/resolve` }),
    fresh: async ({ newAlert }) => ({ path: `/v1/alerts/${await newAlert()}/resolve` }),
  },
  'GET /v1/alerts/{id}/responses': {
    expected: securityTeam(200),
    call: ({ alertId }) => ({ path: `/v1/alerts/${alertId}/responses` }),
  },
  // A malformed action: the security team learns that (400); nobody else gets that far.
  'POST /v1/alerts/{id}/responses': {
    expected: securityTeam(400),
    call: ({ alertId }) => ({
      path: `/v1/alerts/${alertId}/responses`,
      body: { action: 'not-an-action' },
    }),
  },
  'POST /v1/alerts/{id}/responses/{responseId}/undo': {
    expected: securityTeam(404),
    call: ({ alertId }) => ({ path: `/v1/alerts/${alertId}/responses/${randomUUID()}/undo` }),
  },
};

// ---- portal: pages and route handlers from its build manifest, for everyone who signs in ----

type PortalRole = 'anon' | (typeof PEOPLE)[number];
const PORTAL_ROLES: PortalRole[] = ['anon', ...PEOPLE];
/**
 * `signin`: redirected to sign in; `page`: the page itself; `notAllowed`: the page says it is not
 * for this role; `hidden`: the page rendered without the resource (the backend refused it).
 */
type PortalOutcome = 'signin' | 'page' | 'notAllowed' | 'public' | 'hidden' | number;
type PortalExpected = Record<PortalRole, PortalOutcome>;
const everyoneSignedIn: PortalExpected = {
  anon: 'signin',
  dev: 'page',
  apThis: 'page',
  apOther: 'page',
  sec: 'page',
  admin: 'page',
};
const publicPage: PortalExpected = {
  anon: 'public',
  dev: 'public',
  apThis: 'public',
  apOther: 'public',
  sec: 'public',
  admin: 'public',
};
const forRoles = (allowed: (typeof PEOPLE)[number][]): PortalExpected => ({
  anon: 'signin',
  ...(Object.fromEntries(
    PEOPLE.map((person) => [person, allowed.includes(person) ? 'page' : 'notAllowed']),
  ) as Record<(typeof PEOPLE)[number], PortalOutcome>),
});

interface PortalRow {
  expected: PortalExpected;
  path: (cast: Cast) => string;
  /** Text only someone allowed to see the resource gets on the page. */
  shows?: (cast: Cast) => string;
}

const PORTAL: Record<string, PortalRow> = {
  '/page': { expected: publicPage, path: () => '/' },
  '/sign-in/page': { expected: publicPage, path: () => '/sign-in' },
  '/sign-up/page': { expected: publicPage, path: () => '/sign-up' },
  // A code form only; verifying it needs a session waiting for its second factor.
  '/sign-in/mfa/page': { expected: publicPage, path: () => '/sign-in/mfa' },
  // Setting a new password with a reset code: the code is the credential.
  '/sign-in/reset/page': { expected: publicPage, path: () => '/sign-in/reset' },
  '/docs/getting-started/page': { expected: publicPage, path: () => '/docs/getting-started' },
  '/healthz/route': { expected: publicPage, path: () => '/healthz' },
  '/readyz/route': { expected: publicPage, path: () => '/readyz' },
  '/icon.svg/route': { expected: publicPage, path: () => '/icon.svg' },
  '/_not-found/page': {
    expected: { anon: 404, dev: 404, apThis: 404, apOther: 404, sec: 404, admin: 404 },
    path: () => '/no-such-page',
  },
  '/_global-error/page': { expected: publicPage, path: () => '/' },
  '/dashboard/page': { expected: everyoneSignedIn, path: () => '/dashboard' },
  '/account/page': { expected: everyoneSignedIn, path: () => '/account' },
  '/notifications/page': { expected: everyoneSignedIn, path: () => '/notifications' },
  '/teams/page': { expected: everyoneSignedIn, path: () => '/teams' },
  '/teams/[id]/page': {
    // Another person's team is not shown (security reads every team).
    expected: { ...everyoneSignedIn, apThis: 'hidden', apOther: 'hidden' },
    path: (cast) => `/teams/${cast.dev.personalTeamId}`,
    shows: (cast) => cast.teamName,
  },
  '/apps/page': { expected: everyoneSignedIn, path: () => '/apps' },
  '/apps/new/page': { expected: everyoneSignedIn, path: () => '/apps/new' },
  '/apps/[id]/page': {
    expected: { ...everyoneSignedIn, apThis: 'hidden', apOther: 'hidden' },
    path: (cast) => `/apps/${cast.appId}`,
    shows: (cast) => cast.appName,
  },
  '/catalog/page': { expected: everyoneSignedIn, path: () => '/catalog' },
  '/catalog/[slug]/page': {
    expected: everyoneSignedIn,
    path: (cast) => `/catalog/${cast.apiSlug}`,
  },
  '/subscriptions/[id]/page': {
    // The approver of the API decides on it; an approver of another API may not see it.
    expected: { ...everyoneSignedIn, apOther: 'hidden' },
    path: (cast) => `/subscriptions/${cast.subscriptionId}`,
    shows: (cast) => cast.appName,
  },
  '/approvals/page': {
    expected: forRoles(['apThis', 'apOther', 'admin']),
    path: () => '/approvals',
  },
  '/owner/apis/page': {
    expected: forRoles(['apThis', 'apOther', 'sec', 'admin']),
    path: () => '/owner/apis',
  },
  // Any approver gets the page; its consumers and usage come from identity and audit, which
  // answer only for the approver's own APIs (their matrices above and in identity's tests).
  '/owner/apis/[slug]/page': {
    expected: forRoles(['apThis', 'apOther', 'sec', 'admin']),
    path: (cast) => `/owner/apis/${cast.apiSlug}`,
  },
  '/admin/users/page': { expected: forRoles(['sec', 'admin']), path: () => '/admin/users' },
  '/admin/apis/page': { expected: forRoles(['sec', 'admin']), path: () => '/admin/apis' },
  // Invitations change who may sign up: admins only (security reads users, not this).
  '/admin/invitations/page': { expected: forRoles(['admin']), path: () => '/admin/invitations' },
  // Editing an API: admins and its owning team (here the admin's own team owns it).
  '/admin/apis/[slug]/page': {
    expected: forRoles(['admin']),
    path: (cast) => `/admin/apis/${cast.apiSlug}`,
  },
  '/security/audit/page': {
    expected: forRoles(['apThis', 'apOther', 'sec', 'admin']),
    path: () => '/security/audit',
  },
  '/security/siem/page': { expected: forRoles(['sec', 'admin']), path: () => '/security/siem' },
  '/security/alerts/page': { expected: forRoles(['sec', 'admin']), path: () => '/security/alerts' },
  // The export proxies audit with the viewer's own session: audit's matrix decides (above).
  '/security/audit/export/route': {
    expected: { anon: 401, dev: 403, apThis: 200, apOther: 200, sec: 200, admin: 200 },
    path: () => '/security/audit/export?format=ndjson',
  },
};

/** How React writes text into HTML. */
const asHtml = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#x27;');

describe('authorization: every route × every role', () => {
  const fixtures = new Fixtures();
  let identity: AppProcess;
  let audit: AppProcess;
  let portal: AppProcess;
  let cast: Cast;
  let context: AuditContext;

  function tokenOf(role: Role): string | null {
    if (role === 'anon') return null;
    if (role in SERVICE_TOKENS) return SERVICE_TOKENS[role as keyof typeof SERVICE_TOKENS];
    return cast[role as (typeof PEOPLE)[number]].token;
  }

  beforeAll(async () => {
    identity = await startIdentityProcess('hostile-matrix-identity');
    [audit, cast] = await Promise.all([
      startAuditProcess(identity, 'hostile-matrix-audit'),
      seedCast(identity.url, fixtures.prisma),
    ]);
    portal = await startPortalProcess({ IDENTITY_URL: identity.url, AUDIT_URL: audit.url });
    const newSink = async () => {
      const created = await callJson(`${audit.url}/v1/siem/sinks`, {
        method: 'POST',
        token: cast.admin.token,
        body: {
          name: `matrix-${randomUUID()}`,
          kind: 'webhook',
          config: { url: 'http://127.0.0.1:9/hook' },
          secret: { secret: 'matrix-webhook-secret-0123456789' },
          enabled: false,
        },
      });
      if (created.status !== 201) throw new Error(`sink: ${created.text}`);
      return (created.body as { id: string }).id;
    };
    const newAlert = async () => {
      const now = new Date();
      const alert = await fixtures.prisma.alert.create({
        data: {
          rule: 'auth_failure_burst_source',
          severity: 'high',
          dedupKey: `matrix-${randomUUID()}`,
          summary: 'matrix test alert',
          subject: { sourceIp: '192.0.2.1' },
          firstSeenAt: now,
          lastSeenAt: now,
        },
      });
      return alert.id;
    };
    context = { cast, sinkId: await newSink(), alertId: await newAlert(), newSink, newAlert };
  }, 180_000);

  afterAll(async () => {
    await portal?.stop();
    await audit?.stop();
    await identity?.stop();
    await fixtures.close();
  });

  /** Keys of documented operations that the table has no entry for, and entries never documented. */
  function compare(documented: string[], table: string[], optional: string[] = []) {
    return {
      unlisted: documented.filter((route) => !table.includes(route)),
      stale: table.filter((route) => !documented.includes(route) && !optional.includes(route)),
    };
  }

  it('identity: anonymous callers and each service token on every documented route', async () => {
    const operations = await documentedOperations(identity.url);
    const keys = operations.map((operation) => `${operation.method} ${operation.path}`);
    const coverage = compare(keys, Object.keys(IDENTITY), [
      'PUT /v1/security/responses/{id}',
      'DELETE /v1/security/responses/{id}',
    ]);
    const mismatches: string[] = [];
    for (const operation of operations) {
      const key = `${operation.method} ${operation.path}`;
      const path = operation.path.replace(/\{[^}]+\}/g, () => randomUUID());
      const actual = {} as ServiceExpectation;
      for (const role of SERVICES) {
        const response = await callJson(`${identity.url}${path}`, {
          method: operation.method,
          token: tokenOf(role),
          body: ['POST', 'PUT', 'PATCH', 'DELETE'].includes(operation.method) ? {} : undefined,
        });
        actual[role] = response.status;
        if (response.status >= 400 && !response.contentType.includes('json')) {
          mismatches.push(`${key} as ${role}: ${response.contentType} is not a problem`);
        }
      }
      if (JSON.stringify(actual) !== JSON.stringify(IDENTITY[key])) {
        mismatches.push(
          `${key}: expected ${JSON.stringify(IDENTITY[key])}, got ${JSON.stringify(actual)}`,
        );
      }
    }
    recordFinding({
      kind: 'hostile',
      name: 'Authorization: identity routes × anonymous and service tokens',
      inputsTried: operations.length * SERVICES.length,
      gotThrough: mismatches.length,
      detail:
        'each status as the written table says (user roles: apps/identity/test/authorization)',
    });
    // A documented route without an entry fails until someone writes down who may call it.
    expect({ coverage, mismatches }).toEqual({
      coverage: { unlisted: [], stale: [] },
      mismatches: [],
    });
  });

  it('identity: every person on every documented route', async () => {
    const operations = (await documentedOperations(identity.url)).filter(
      (operation) => !NOT_CALLED_BY_PEOPLE.has(`${operation.method} ${operation.path}`),
    );
    const mismatches: string[] = [];
    const seen = new Set<string>();
    for (const operation of operations) {
      const key = `${operation.method} ${operation.path}`;
      seen.add(key);
      const path = operation.path.replace(/\{[^}]+\}/g, () => randomUUID());
      const actual = {} as People;
      for (const person of PEOPLE) {
        const response = await callJson(`${identity.url}${path}`, {
          method: operation.method,
          token: cast[person].token,
          body: ['POST', 'PUT', 'PATCH', 'DELETE'].includes(operation.method) ? {} : undefined,
        });
        actual[person] = response.status;
        if (response.status >= 400 && !response.contentType.includes('json')) {
          mismatches.push(`${key} as ${person}: ${response.contentType} is not a problem`);
        }
      }
      const expected = IDENTITY_PEOPLE[key];
      const statuses = new Set(Object.values(actual));
      if (expected ? JSON.stringify(actual) !== JSON.stringify(expected) : statuses.size !== 1) {
        mismatches.push(
          `${key}: expected ${expected ? JSON.stringify(expected) : 'the same answer for everyone'}, got ${JSON.stringify(actual)}`,
        );
      } else if (!expected && (statuses.has(401) || statuses.has(403))) {
        mismatches.push(`${key}: refuses every person (${[...statuses].join()})`);
      }
    }
    const stale = Object.keys(IDENTITY_PEOPLE).filter((key) => !seen.has(key));
    recordFinding({
      kind: 'hostile',
      name: 'Authorization: identity routes × every person',
      inputsTried: operations.length * PEOPLE.length,
      gotThrough: mismatches.length,
      detail:
        'developer, approver of this / another API, security, admin with random ids: role-guarded routes as the table says, every other route alike for all',
    });
    expect({ stale, mismatches }).toEqual({ stale: [], mismatches: [] });
  });

  it('audit: every role on every documented route', async () => {
    const operations = await documentedOperations(audit.url);
    const keys = operations.map((operation) => `${operation.method} ${operation.path}`);
    // Variants of a route (another query, a malformed body) are extra rows, not extra routes.
    const coverage = compare(
      keys,
      Object.keys(AUDIT).filter((key) => !key.includes('?') && !key.includes(' (')),
    );
    const mismatches: string[] = [];
    let calls = 0;
    for (const [key, row] of Object.entries(AUDIT)) {
      const method = key.split(' ')[0]!;
      const actual = {} as Expected;
      for (const role of ROLES) {
        // Mutations that consume their target get a fresh one for each caller.
        const target = row.fresh ? await row.fresh(context) : row.call(context);
        const response = await callJson(`${audit.url}${target.path}`, {
          method,
          token: tokenOf(role),
          body: target.body,
        });
        calls += 1;
        actual[role] = response.status;
        if (response.status >= 400 && !response.contentType.includes('application/problem+json')) {
          mismatches.push(`${key} as ${role}: ${response.status} is not problem+json`);
        }
      }
      if (JSON.stringify(actual) !== JSON.stringify(row.expected)) {
        mismatches.push(
          `${key}: expected ${JSON.stringify(row.expected)}, got ${JSON.stringify(actual)}`,
        );
      }
    }
    recordFinding({
      kind: 'hostile',
      name: 'Authorization: audit routes × every role',
      inputsTried: calls,
      gotThrough: mismatches.length,
      detail:
        'anonymous, three service tokens, developer, approver of this / another API, security, admin; valid and malformed input (refused before validated)',
    });
    expect({ coverage, mismatches }).toEqual({
      coverage: { unlisted: [], stale: [] },
      mismatches: [],
    });
  });

  it('portal: every page and route handler of its build for everyone who signs in', async () => {
    const manifest = JSON.parse(
      readFileSync(resolve(ROOT, 'apps/portal/.next/server/app-paths-manifest.json'), 'utf8'),
    ) as Record<string, string>;
    const coverage = compare(Object.keys(manifest), Object.keys(PORTAL));
    const mismatches: string[] = [];
    let calls = 0;
    for (const [key, row] of Object.entries(PORTAL)) {
      const actual = {} as PortalExpected;
      for (const role of PORTAL_ROLES) {
        const token = role === 'anon' ? null : cast[role].token;
        const response = await fetch(`${portal.url}${row.path(cast)}`, {
          redirect: 'manual',
          headers: token ? { cookie: `pcl_session=${token}` } : {},
        });
        const text = await response.text();
        calls += 1;
        const location = response.headers.get('location') ?? '';
        let outcome: PortalOutcome = response.status;
        // Pages stream, so a redirect or not-found decided after the shell arrives as a 200 whose
        // body carries it (Next's redirect marker, the not-found page).
        const streamedRedirect =
          /NEXT_REDIRECT[^"]*\/sign-in|http-equiv="refresh" content="[^"]*url=\/sign-in/.test(text);
        if (response.status >= 300 && response.status < 400 && location.includes('/sign-in')) {
          outcome = 'signin';
        } else if (key.endsWith('/route')) {
          outcome =
            response.status === 200 && row.expected[role] === 'public' ? 'public' : response.status;
        } else if (response.status === 200 && streamedRedirect) {
          outcome = 'signin';
        } else if (text.includes('id="not-found-title"')) {
          outcome = 404;
        } else if (response.status === 200) {
          if (text.includes('Not available to you')) outcome = 'notAllowed';
          else if (row.shows && !text.includes(asHtml(row.shows(cast)))) outcome = 'hidden';
          else outcome = row.expected[role] === 'public' ? 'public' : 'page';
        }
        actual[role] = outcome;
      }
      if (JSON.stringify(actual) !== JSON.stringify(row.expected)) {
        mismatches.push(
          `${key}: expected ${JSON.stringify(row.expected)}, got ${JSON.stringify(actual)}`,
        );
      }
    }
    recordFinding({
      kind: 'hostile',
      name: 'Authorization: portal pages and route handlers × every role',
      inputsTried: calls,
      gotThrough: mismatches.length,
      detail:
        'route list from the build manifest; sign-in redirect, the page, or its not-for-you notice',
    });
    expect({ coverage, mismatches }).toEqual({
      coverage: { unlisted: [], stale: [] },
      mismatches: [],
    });
  });
});
