import { ConfigError } from '@portcullis/config';
import type { PrismaClient } from '@portcullis/db';
import { ProblemException } from '@portcullis/nest-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogApplier } from '../../src/catalog/catalog-applier.js';
import { CatalogFileError, parseCatalogYaml } from '../../src/catalog/catalog-file.js';
import { apiWithParts, CatalogWriter, definitionOf } from '../../src/catalog/catalog-writer.js';
import { API_SETTINGS_LIMITS } from '../../src/catalog/api-settings-limits.js';
import { loadIdentityConfig } from '../../src/config.js';
import { GatewaySnapshotBuilder } from '../../src/gateway-feed/gateway-snapshot.builder.js';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createAdmin,
  createTestApi,
  signUpUser,
  suffix,
  testPrisma,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';

/** Whatever `apply` threw, for assertions on its issues. */
async function applyError(identity: IdentityTestApp, yaml: string): Promise<CatalogFileError> {
  const error = await identity.app
    .get(CatalogApplier)
    .apply(parseCatalogYaml(yaml))
    .then(
      () => null,
      (caught: unknown) => caught,
    );
  expect(error).toBeInstanceOf(CatalogFileError);
  return error as CatalogFileError;
}

describe('catalog guards', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let admin: TestUser;
  /** Owns the "payments" side: another team than `orders`. */
  let payments: TestUser;
  let orders: TestUser;

  beforeAll(async () => {
    identity = await startIdentity();
    call = caller(identity);
    prisma = testPrisma();
    admin = await createAdmin(call, prisma);
    payments = await signUpUser(call, 'payments');
    orders = await signUpUser(call, 'orders');
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  describe('base paths', () => {
    it("refuses a team's base path under or above another team's API, naming it", async () => {
      const id = suffix();
      const paymentsApi = await createTestApi(call, admin.token, payments.personalTeamId, {
        basePath: `/pay-${id}`,
      });
      const ordersApi = await createTestApi(call, admin.token, orders.personalTeamId);

      // The security review's case: take over /pay-…/orders/** of the payments API.
      const under = await call('PATCH', `/v1/apis/${ordersApi.slug}`, {
        token: orders.token,
        body: { basePath: `/pay-${id}/orders` },
      });
      expect(under.status).toBe(409);
      expect(under.headers.get('content-type')).toContain('application/problem+json');
      expect(under.body.detail).toContain(`lies under /pay-${id}`);
      expect(under.body.detail).toContain(`"${paymentsApi.slug}"`);

      // And the other way round: an API above another team's takes nothing, but is refused too.
      const nested = await createTestApi(call, admin.token, payments.personalTeamId, {
        basePath: `/shop-${id}/cart`,
      });
      const above = await call('PATCH', `/v1/apis/${ordersApi.slug}`, {
        token: orders.token,
        body: { basePath: `/shop-${id}` },
      });
      expect(above.status).toBe(409);
      expect(above.body.detail).toContain(`contains /shop-${id}/cart`);
      expect(above.body.detail).toContain(`"${nested.slug}"`);

      const stored = await prisma.api.findUniqueOrThrow({ where: { id: ordersApi.id } });
      expect(stored.basePath).toBe(`/${ordersApi.slug}`);
      // A segment prefix only: /pay-<id>x is a different path.
      const sibling = await call('PATCH', `/v1/apis/${ordersApi.slug}`, {
        token: orders.token,
        body: { basePath: `/pay-${id}x` },
      });
      expect(sibling.status).toBe(200);
    });

    it('lets a team nest its own APIs, admins and the catalog file nest any; a nesting stays', async () => {
      const id = suffix();
      await createTestApi(call, admin.token, payments.personalTeamId, { basePath: `/bank-${id}` });
      const refunds = await createTestApi(call, admin.token, payments.personalTeamId);
      const own = await call('PATCH', `/v1/apis/${refunds.slug}`, {
        token: payments.token,
        body: { basePath: `/bank-${id}/refunds` },
      });
      expect(own.status).toBe(200);

      const ordersApi = await createTestApi(call, admin.token, orders.personalTeamId);
      const byAdmin = await call('PATCH', `/v1/apis/${ordersApi.slug}`, {
        token: admin.token,
        body: { basePath: `/bank-${id}/orders` },
      });
      expect(byAdmin.status).toBe(200);
      const created = await createTestApi(call, admin.token, orders.personalTeamId, {
        basePath: `/bank-${id}/loans`,
      });
      expect(created.slug).toBeTruthy();

      // The orders team may still change its API, as long as it keeps the base path.
      const edit = await call('PATCH', `/v1/apis/${ordersApi.slug}`, {
        token: orders.token,
        body: { description: 'Orders, under the bank' },
      });
      expect(edit.status).toBe(200);
      const move = await call('PATCH', `/v1/apis/${ordersApi.slug}`, {
        token: orders.token,
        body: { basePath: `/bank-${id}/orders2` },
      });
      expect(move.status).toBe(409);

      // The catalog file is applied with admin authority: it may nest too (idempotently).
      const yaml = `
teams:
  - { slug: outer-${id}, name: Outer }
  - { slug: inner-${id}, name: Inner }
apis:
  - { slug: outer-${id}, name: Outer, basePath: /outer-${id}, upstreamUrl: "http://127.0.0.1:9", ownerTeam: outer-${id} }
  - { slug: inner-${id}, name: Inner, basePath: /outer-${id}/inner, upstreamUrl: "http://127.0.0.1:9", ownerTeam: inner-${id} }
`;
      const applier = identity.app.get(CatalogApplier);
      expect((await applier.apply(parseCatalogYaml(yaml))).apisCreated).toHaveLength(2);
      expect((await applier.apply(parseCatalogYaml(yaml))).apisUnchanged).toHaveLength(2);
      // Exact clashes stay refused there, naming the API.
      const clash = `
apis:
  - { slug: clash-${id}, name: Clash, basePath: /outer-${id}, upstreamUrl: "http://127.0.0.1:9", ownerTeam: outer-${id} }
`;
      await expect(applier.apply(parseCatalogYaml(clash))).rejects.toMatchObject({
        problem: { status: 409, detail: `basePath /outer-${id} is used by API "outer-${id}".` },
      });
    });

    it('refuses base paths the gateway serves itself, and empty segments, to everyone', async () => {
      const id = suffix();
      for (const basePath of ['/healthz', '/readyz/x', '/docs', `/docs/${id}`, '/docs-json']) {
        const response = await call('POST', '/v1/apis', {
          token: admin.token,
          body: {
            slug: `reserved-${suffix()}`,
            name: 'Reserved',
            basePath,
            upstreamUrl: 'http://127.0.0.1:9',
            ownerTeamId: admin.personalTeamId,
          },
        });
        expect(response.status, basePath).toBe(400);
        expect(response.body.errors).toContainEqual({
          path: 'basePath',
          message: expect.stringContaining('the gateway serves itself'),
        });
      }
      const empty = await call('POST', '/v1/apis', {
        token: admin.token,
        body: {
          slug: `empty-${id}`,
          name: 'Empty segment',
          basePath: `/a-${id}//b`,
          upstreamUrl: 'http://127.0.0.1:9',
          ownerTeamId: admin.personalTeamId,
        },
      });
      expect(empty.status).toBe(400);
      expect(JSON.stringify(empty.body.errors)).toContain('empty segment');
      // Not reserved: only whole segments are.
      await createTestApi(call, admin.token, admin.personalTeamId, { basePath: `/docs-${id}` });
    });

    it('can refuse without naming the other API, for callers who could not see it', async () => {
      const id = suffix();
      await createTestApi(call, admin.token, payments.personalTeamId, { basePath: `/vault-${id}` });
      const ordersApi = await createTestApi(call, admin.token, orders.personalTeamId);
      const existing = await prisma.api.findUniqueOrThrow({
        where: { id: ordersApi.id },
        include: apiWithParts,
      });
      const writer = identity.app.get(CatalogWriter);
      const error = await prisma
        .$transaction((transaction) =>
          writer.save(
            transaction,
            existing,
            { ...definitionOf(existing), basePath: `/vault-${id}/x` },
            { prunePlans: false, allowNesting: false, nameConflicts: false },
          ),
        )
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(ProblemException);
      const problem = (error as ProblemException).problem;
      expect(problem.status).toBe(409);
      expect(problem.detail).toContain("overlaps the base path of another team's API");
      expect(problem.detail).not.toContain(`vault-${id}"`);
      expect(problem.detail).not.toContain('"');
    });
  });

  describe('upstream URLs', () => {
    const refused = [
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://169.254.170.2/v2/credentials',
      'http://0xa9fea9fe/',
      'http://2852039166/',
      'http://169.254.169.254./',
      'http://[::ffff:169.254.169.254]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[fe80::1]/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.Google.Internal./',
      'https://metadata/',
    ];

    it('refuses link-local and cloud-metadata upstreams in every spelling', async () => {
      for (const upstreamUrl of refused) {
        const response = await call('POST', '/v1/apis', {
          token: admin.token,
          body: {
            slug: `meta-${suffix()}`,
            name: 'Metadata',
            basePath: `/meta-${suffix()}`,
            upstreamUrl,
            ownerTeamId: admin.personalTeamId,
          },
        });
        expect(response.status, upstreamUrl).toBe(400);
        expect(response.body.errors, upstreamUrl).toContainEqual({
          path: 'upstreamUrl',
          message: expect.stringMatching(/metadata|link-local/),
        });
      }
      // The owning team cannot point its API there either.
      const api = await createTestApi(call, admin.token, orders.personalTeamId);
      const patch = await call('PATCH', `/v1/apis/${api.slug}`, {
        token: orders.token,
        body: { upstreamUrl: 'http://169.254.169.254/latest/meta-data/' },
      });
      expect(patch.status).toBe(400);
      expect(patch.body.errors[0].path).toBe('upstreamUrl');
      // Internal upstreams are what a gateway fronts: private and loopback addresses are fine.
      for (const upstreamUrl of [
        'http://10.0.0.5:8080/',
        'http://[fd12::5]/',
        'http://orders.internal:8080',
      ]) {
        const ok = await call('PATCH', `/v1/apis/${api.slug}`, {
          token: orders.token,
          body: { upstreamUrl },
        });
        expect(ok.status, upstreamUrl).toBe(200);
      }
    });

    it('refuses them in the catalog file, naming the field', () => {
      const id = suffix();
      const yaml = `
apis:
  - { slug: m-${id}, name: M, basePath: /m-${id}, upstreamUrl: "http://[::ffff:169.254.169.254]/", ownerTeam: x-${id} }
`;
      expect(() => parseCatalogYaml(yaml)).toThrow(/apis\[0\]\.upstreamUrl: 169\.254\.169\.254 is/);
    });

    it('validates CATALOG_UPSTREAM_ALLOWED_HOSTS at start-up', () => {
      for (const bad of ['*.10.0.0.0/8', 'http://x', '10.0.0.0/99', '*.']) {
        expect(() => loadIdentityConfig({ CATALOG_UPSTREAM_ALLOWED_HOSTS: bad }), bad).toThrow(
          ConfigError,
        );
      }
      expect(
        loadIdentityConfig({ CATALOG_UPSTREAM_ALLOWED_HOSTS: ' *.Svc.Internal. , 10.0.0.0/8,,' })
          .CATALOG_UPSTREAM_ALLOWED_HOSTS,
      ).toEqual(['*.svc.internal', '10.0.0.0/8']);
    });

    describe('with CATALOG_UPSTREAM_ALLOWED_HOSTS', () => {
      let restricted: IdentityTestApp;
      let restrictedCall: Call;
      beforeAll(async () => {
        restricted = await startIdentity({
          CATALOG_UPSTREAM_ALLOWED_HOSTS:
            '*.svc.internal,orders.example.test,10.20.0.0/16,*.google.internal',
        });
        restrictedCall = caller(restricted);
      });
      afterAll(async () => {
        await restricted?.close();
      });

      it('allows only listed hosts, on every write and in the catalog file', async () => {
        const id = suffix();
        const create = (upstreamUrl: string) =>
          restrictedCall('POST', '/v1/apis', {
            token: admin.token,
            body: {
              slug: `allow-${suffix()}`,
              name: 'Allow-listed',
              basePath: `/allow-${suffix()}`,
              upstreamUrl,
              ownerTeamId: admin.personalTeamId,
            },
          });
        for (const allowed of [
          'http://orders.svc.internal:8080/',
          'http://a.b.svc.internal/',
          'https://ORDERS.example.test./v1',
          'http://10.20.3.4/',
          'http://[::ffff:10.20.3.4]/',
        ]) {
          expect((await create(allowed)).status, allowed).toBe(201);
        }
        for (const other of [
          'http://svc.internal/',
          'http://evil.example.test/',
          'http://10.21.0.1/',
          'http://127.0.0.1:9/',
        ]) {
          const response = await create(other);
          expect(response.status, other).toBe(400);
          expect(response.body.errors).toEqual([
            {
              path: 'upstreamUrl',
              message: expect.stringContaining('CATALOG_UPSTREAM_ALLOWED_HOSTS'),
            },
          ]);
        }
        // Listing a metadata address does not make it allowed.
        expect((await create('http://metadata.google.internal/')).status).toBe(400);

        // An API made before the list: its next change must bring a listed upstream.
        const old = await createTestApi(call, admin.token, orders.personalTeamId, {
          upstreamUrl: 'http://192.168.7.7/',
        });
        const edit = await restrictedCall('PATCH', `/v1/apis/${old.slug}`, {
          token: orders.token,
          body: { description: 'no upstream change' },
        });
        expect(edit.status).toBe(400);
        expect(edit.body.errors[0]).toMatchObject({ path: 'upstreamUrl' });
        const fix = await restrictedCall('PATCH', `/v1/apis/${old.slug}`, {
          token: orders.token,
          body: { description: 'moved', upstreamUrl: 'http://old.svc.internal/' },
        });
        expect(fix.status).toBe(200);

        const yaml = `
teams: [{ slug: allow-${id}, name: Allow }]
apis:
  - { slug: allow-${id}, name: A, basePath: /allow-${id}, upstreamUrl: "http://orders.svc.internal/", ownerTeam: allow-${id} }
  - { slug: deny-${id}, name: D, basePath: /deny-${id}, upstreamUrl: "http://127.0.0.1:9", ownerTeam: allow-${id} }
`;
        const error = await applyError(restricted, yaml);
        expect(error.issues).toEqual([
          { path: 'apis[1].upstreamUrl', message: expect.stringContaining('127.0.0.1 is not in') },
        ]);
        expect(await prisma.api.count({ where: { slug: `allow-${id}` } })).toBe(0);
      });
    });
  });

  describe('teams in the catalog file', () => {
    const fileWith = (teams: string[], apis: string[] = []) =>
      ['teams:', ...teams.map((team) => `  - ${team}`), 'apis:', ...apis.map((api) => `  - ${api}`)]
        .join('\n')
        .replace(/apis:$/, 'apis: []');

    it('refuses a team someone registered under a slug the file lists, but knows its own teams', async () => {
      const id = suffix();
      // A team the catalog created, owning no API: applying again must not trip over it.
      const own = `{ slug: own-${id}, name: Own }`;
      const applier = identity.app.get(CatalogApplier);
      expect((await applier.apply(parseCatalogYaml(fileWith([own])))).teamsCreated).toEqual([
        `own-${id}`,
      ]);
      expect((await applier.apply(parseCatalogYaml(fileWith([own])))).teamsCreated).toEqual([]);

      // Someone signs up and registers the slug before the operators list it.
      const squatter = await signUpUser(call, 'squatter');
      const registered = await call('POST', '/v1/teams', {
        token: squatter.token,
        body: { name: 'Payments', slug: `squat-${id}` },
      });
      expect(registered.status).toBe(201);
      const api = `{ slug: squat-${id}, name: S, basePath: /squat-${id}, upstreamUrl: "http://127.0.0.1:9", ownerTeam: squat-${id} }`;
      const listed = await applyError(
        identity,
        fileWith([own, `{ slug: squat-${id}, name: Payments }`], [api]),
      );
      expect(listed.issues).toEqual([
        {
          path: 'teams[1].slug',
          message: expect.stringContaining(
            `team "squat-${id}" exists but was not created by the catalog`,
          ),
        },
      ]);
      expect(listed.message).toContain('adopt: true');
      // Named only as an owner, not listed: refused the same way.
      const unlisted = await applyError(identity, fileWith([own], [api]));
      expect(unlisted.issues[0]).toMatchObject({ path: 'apis[0].ownerTeam' });
      expect(await prisma.api.count({ where: { slug: `squat-${id}` } })).toBe(0);
    });

    it('adopts such a team when told to, and applying again changes nothing', async () => {
      const id = suffix();
      const owner = await signUpUser(call, 'adopted');
      const registered = await call('POST', '/v1/teams', {
        token: owner.token,
        body: { name: 'Ledger', slug: `ledger-${id}` },
      });
      expect(registered.status).toBe(201);
      const api = `{ slug: ledger-${id}, name: L, basePath: /ledger-${id}, upstreamUrl: "http://127.0.0.1:9", ownerTeam: ledger-${id} }`;
      const applier = identity.app.get(CatalogApplier);
      const adopting = fileWith([`{ slug: ledger-${id}, name: Ledger, adopt: true }`], [api]);
      const first = await applier.apply(parseCatalogYaml(adopting));
      expect(first).toMatchObject({ teamsCreated: [], apisCreated: [`ledger-${id}`] });
      const stored = await prisma.api.findUniqueOrThrow({ where: { slug: `ledger-${id}` } });
      expect(stored.ownerTeamId).toBe(registered.body.id);

      expect(await applier.apply(parseCatalogYaml(adopting))).toMatchObject({
        apisUnchanged: [`ledger-${id}`],
      });
      // Now an established API owner: the flag may go.
      const plain = fileWith([`{ slug: ledger-${id}, name: Ledger }`], [api]);
      expect(await applier.apply(parseCatalogYaml(plain))).toEqual({
        teamsCreated: [],
        apisCreated: [],
        apisUpdated: [],
        apisUnchanged: [`ledger-${id}`],
        apisDeleted: [],
      });
    });
  });

  describe('gateway settings', () => {
    const MiB = 1024 * 1024;
    /** Each numeric setting just past its bound, and the field the 400 must name. */
    const pastTheBound: [string, Record<string, unknown>][] = [
      ['settings.maxBodyBytes', { maxBodyBytes: 100 * MiB + 1 }],
      ['settings.maxHeaderBytes', { maxHeaderBytes: 64 * 1024 + 1 }],
      ['settings.connectTimeoutMs', { connectTimeoutMs: 60_001 }],
      ['settings.responseTimeoutMs', { responseTimeoutMs: 300_001 }],
      [
        'settings.cors.maxAgeSeconds',
        { cors: { allowedOrigins: ['https://a.example'], maxAgeSeconds: 86_401 } },
      ],
      [
        'settings.threatProtection.maxJsonDepth',
        { threatProtection: { mode: 'block', maxJsonDepth: 257 } },
      ],
      ['settings.cache.ttlSeconds', { cache: { ttlSeconds: 86_401, maxEntries: 100 } }],
      ['settings.cache.maxEntries', { cache: { ttlSeconds: 60, maxEntries: 10_001 } }],
      // Lists the gateway walks per request: their length, and each entry's.
      [
        'settings.cors.allowedOrigins',
        {
          cors: { allowedOrigins: Array.from({ length: 101 }, (_, n) => `https://o${n}.example`) },
        },
      ],
      [
        'settings.cors.allowedOrigins.1',
        { cors: { allowedOrigins: ['https://a.example', `https://${'a'.repeat(250)}.example`] } },
      ],
      [
        'settings.cors.allowedHeaders',
        { cors: { allowedOrigins: ['https://a.example'], allowedHeaders: Array(101).fill('x-a') } },
      ],
      [
        'settings.threatProtection.allowedContentTypes',
        { threatProtection: { mode: 'report', allowedContentTypes: Array(51).fill('text/plain') } },
      ],
      // The gateway buffers and scans the whole body for threat protection.
      [
        'settings.maxBodyBytes',
        { maxBodyBytes: 10 * MiB + 1, threatProtection: { mode: 'report' } },
      ],
    ];

    it('refuses settings past their bounds with a 400 naming the field, on create and update', async () => {
      const api = await createTestApi(call, admin.token, orders.personalTeamId);
      const before = await prisma.api.findUniqueOrThrow({ where: { slug: api.slug } });
      for (const [path, settings] of pastTheBound) {
        const patched = await call('PATCH', `/v1/apis/${api.slug}`, {
          token: orders.token,
          body: { settings },
        });
        expect(patched.status, path).toBe(400);
        expect(patched.headers.get('content-type')).toContain('application/problem+json');
        expect(patched.body.errors, path).toEqual([
          { path, message: expect.stringMatching(/^must be at most \d+/) },
        ]);
        const id = suffix();
        const created = await call('POST', '/v1/apis', {
          token: admin.token,
          body: {
            slug: `bound-${id}`,
            name: 'Bound',
            basePath: `/bound-${id}`,
            upstreamUrl: 'http://127.0.0.1:9',
            ownerTeamId: orders.personalTeamId,
            settings,
          },
        });
        expect(created.status, path).toBe(400);
        expect(created.body.errors.map((error: { path: string }) => error.path)).toEqual([path]);
      }
      const stored = await prisma.api.findUniqueOrThrow({ where: { slug: api.slug } });
      expect(stored.version).toBe(before.version);

      // The bounds themselves are allowed.
      const atTheBound = await call('PATCH', `/v1/apis/${api.slug}`, {
        token: orders.token,
        body: {
          settings: {
            maxBodyBytes: API_SETTINGS_LIMITS.maxBodyBytes,
            maxHeaderBytes: API_SETTINGS_LIMITS.maxHeaderBytes,
            connectTimeoutMs: API_SETTINGS_LIMITS.connectTimeoutMs,
            responseTimeoutMs: API_SETTINGS_LIMITS.responseTimeoutMs,
            cors: { allowedOrigins: ['https://a.example'], maxAgeSeconds: 86_400 },
            cache: { ttlSeconds: 86_400, maxEntries: 10_000 },
          },
        },
      });
      expect(atTheBound.status).toBe(200);
      expect(atTheBound.body.settings).toMatchObject({ maxBodyBytes: 100 * MiB });
      const guarded = await call('PATCH', `/v1/apis/${api.slug}`, {
        token: orders.token,
        body: {
          settings: {
            maxBodyBytes: 10 * MiB,
            threatProtection: { mode: 'block', maxJsonDepth: 256 },
          },
        },
      });
      expect(guarded.status).toBe(200);
    });

    it('refuses them in the catalog file, naming the field', () => {
      const id = suffix();
      const yaml = `
apis:
  - slug: big-${id}
    name: Big
    basePath: /big-${id}
    upstreamUrl: http://127.0.0.1:9
    ownerTeam: big-${id}
    settings: { responseTimeoutMs: 3600000, cache: { ttlSeconds: 60, maxEntries: 1000000 } }
`;
      expect(() => parseCatalogYaml(yaml)).toThrow(
        /apis\[0\]\.settings\.responseTimeoutMs: must be at most 300000 ms \(5 min\)/,
      );
      expect(() => parseCatalogYaml(yaml)).toThrow(
        /apis\[0\]\.settings\.cache\.maxEntries: must be at most 10000 entries/,
      );
    });

    it('bounds a plan’s monthly quota and a route’s required scopes too', () => {
      const id = suffix();
      const scopes = Array.from({ length: 51 }, (_, n) => `s${n}`);
      const yaml = `
apis:
  - slug: quota-${id}
    name: Quota
    basePath: /quota-${id}
    upstreamUrl: http://127.0.0.1:9
    ownerTeam: quota-${id}
    scopes: [${scopes.map((name) => `{ name: ${name} }`).join(', ')}]
    routes: [{ method: GET, pathPattern: /x, requiredScopes: [${scopes.join(', ')}] }]
    plans: [{ name: huge, ratePerSecond: 10, monthlyQuota: 1000000000001 }]
`;
      expect(() => parseCatalogYaml(yaml)).toThrow(/apis\[0\]\.plans\[0\]\.monthlyQuota/);
      expect(() => parseCatalogYaml(yaml)).toThrow(/apis\[0\]\.routes\[0\]\.requiredScopes/);
      expect(() => parseCatalogYaml(yaml.replace('1000000000001', '1000000000000'))).not.toThrow(
        /monthlyQuota/,
      );
    });

    it('keeps serving settings stored before the bounds, and has them fixed on the next edit', async () => {
      const api = await createTestApi(call, admin.token, orders.personalTeamId);
      const legacy = { maxBodyBytes: 5_000 * MiB, responseTimeoutMs: 86_400_000 };
      await prisma.api.update({ where: { id: api.id }, data: { settings: legacy } });

      // Gateways still get them (the snapshot contract has no bounds) ...
      const snapshot = await identity.app.get(GatewaySnapshotBuilder).build();
      expect(snapshot.apis.find((entry) => entry.id === api.id)?.settings).toMatchObject(legacy);

      // ... but a write keeps no value past its bound, even one that does not touch settings.
      const renamed = await call('PATCH', `/v1/apis/${api.slug}`, {
        token: orders.token,
        body: { name: 'Renamed' },
      });
      expect(renamed.status).toBe(400);
      expect(renamed.body.errors).toEqual([
        { path: 'settings.maxBodyBytes', message: expect.stringContaining('at most') },
        { path: 'settings.responseTimeoutMs', message: expect.stringContaining('at most') },
      ]);
      const fixed = await call('PATCH', `/v1/apis/${api.slug}`, {
        token: orders.token,
        body: { name: 'Renamed', settings: { maxBodyBytes: 50 * MiB } },
      });
      expect(fixed.status).toBe(200);
      expect(fixed.body.settings).toMatchObject({
        maxBodyBytes: 50 * MiB,
        responseTimeoutMs: 15_000,
      });
    });
  });
});
