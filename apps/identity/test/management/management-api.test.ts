import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  signUpUser,
  suffix,
  testPrisma,
  type Call,
} from '../support/management-fixtures.js';

describe('management API: OpenAPI, problems, start-up catalog', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  const id = suffix();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'startup-catalog-'));
    const file = join(dir, 'catalog.yaml');
    writeFileSync(
      file,
      [
        'teams: [{ slug: boot-' + id + ', name: Boot }]',
        'apis:',
        `  - { slug: boot-${id}, name: Boot, basePath: /boot-${id}, upstreamUrl: "http://127.0.0.1:9", ownerTeam: boot-${id} }`,
      ].join('\n'),
    );
    identity = await startIdentity({ CATALOG_FILE: file });
    call = caller(identity);
    prisma = testPrisma();
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('applies CATALOG_FILE at start-up', async () => {
    const api = await prisma.api.findUnique({ where: { slug: `boot-${id}` } });
    expect(api).toMatchObject({ basePath: `/boot-${id}`, approvalModeProduction: 'manual' });
  });

  it('documents the management routes with bearer auth and request schemas', async () => {
    const response = await fetch(`${identity.url}/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    for (const path of [
      '/v1/users',
      '/v1/sessions',
      '/v1/me',
      '/v1/me/mfa/totp',
      '/v1/teams/{id}/members',
      '/v1/teams/{teamId}/applications',
      '/v1/applications/{id}',
      '/v1/apis',
      '/v1/apis/{slug}/consumers',
      '/v1/applications/{appId}/subscriptions',
      '/v1/approvals',
      '/v1/subscriptions/{id}/approve',
      '/v1/notifications',
      '/v1/teams/{teamId}/webhooks',
      '/v1/users/{id}/disable',
      '/v1/users/{id}/enable',
    ]) {
      expect(document.paths, path).toHaveProperty([path]);
    }
    const approve = document.paths['/v1/subscriptions/{id}/approve']!.post!;
    expect(approve.security).toEqual([{ bearer: [] }]);
    const body = approve.requestBody as {
      content: { 'application/json': { schema: { properties: Record<string, unknown> } } };
    };
    expect(Object.keys(body.content['application/json'].schema.properties).sort()).toEqual([
      'comment',
      'scopes',
    ]);
    const signUp = document.paths['/v1/users']!.post!.requestBody as {
      content: {
        'application/json': { schema: { properties: { password: { minLength: number } } } };
      };
    };
    expect(signUp.content['application/json'].schema.properties.password.minLength).toBe(12);
    const confirm = document.paths['/v1/me/mfa/totp/confirm']!.post!.requestBody as {
      content: { 'application/json': { schema: { required: string[] } } };
    };
    expect(confirm.content['application/json'].schema.required.sort()).toEqual([
      'code',
      'currentPassword',
    ]);
    expect(document.paths['/v1/users/{id}/disable']!.post!.security).toEqual([{ bearer: [] }]);
  });

  it('answers bad input with problem+json, never 500', async () => {
    const user = await signUpUser(call, 'problems');
    const cases: [string, string, unknown, number][] = [
      ['POST', '/v1/teams', { name: 'x', unexpected: true }, 400],
      ['POST', '/v1/teams', { name: 'x', slug: 'Not A Slug' }, 400],
      ['POST', '/v1/teams', 'not an object', 400],
      ['GET', '/v1/teams/not-a-uuid', undefined, 400],
      ['GET', `/v1/teams/${crypto.randomUUID()}`, undefined, 404],
      ['POST', `/v1/teams/${user.personalTeamId}/applications`, { name: '' }, 400],
      ['GET', '/v1/applications/not-a-uuid', undefined, 400],
      ['GET', '/v1/notifications?page=0', undefined, 400],
      ['POST', '/v1/me/mfa/totp/confirm', { code: 'abcdef', currentPassword: 'x' }, 400],
      ['POST', '/v1/me/mfa/totp/confirm', { code: '123456' }, 400],
      ['POST', '/v1/me/mfa/totp/confirm', { code: '123456', currentPassword: 'x' }, 409],
      ['PATCH', '/v1/apis/nothing-here', { name: 'x' }, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const response = await call(method, path, { token: user.token, body });
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status, instance: path.split('?')[0] });
      if (status === 400 && response.body.type.endsWith('/validation')) {
        expect(response.body.errors.length).toBeGreaterThan(0);
      }
    }
    const strict = await call('POST', '/v1/teams', {
      token: user.token,
      body: { name: 'x', unexpected: true },
    });
    expect(strict.body.errors[0].message).toMatch(/unexpected/i);
  });
});
