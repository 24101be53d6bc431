import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDependencies, CHECK_TIMEOUT_MS } from './check-dependencies';
import { readPortalEnv } from './portal-env';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A stand-in service; `status` null means it accepts the request and never answers. */
async function service(status: number | null): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    if (status !== null) response.writeHead(status).end('{}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('checkDependencies', () => {
  it('is ready when identity and audit both answer their /healthz', async () => {
    const identity = await service(200);
    const audit = await service(200);

    const report = await checkDependencies({ IDENTITY_URL: identity.url, AUDIT_URL: audit.url });

    expect(report.status).toBe('ready');
    expect(report.checks.identity?.status).toBe('up');
    expect(report.checks.audit?.status).toBe('up');
    expect(identity.paths).toEqual(['/healthz']);
    expect(audit.paths).toEqual(['/healthz']);
  });

  it('keeps the path prefix of a service mounted below the root', async () => {
    const identity = await service(200);

    await checkDependencies({ IDENTITY_URL: `${identity.url}/identity`, AUDIT_URL: identity.url });

    expect(identity.paths).toContain('/identity/healthz');
  });

  it('is not ready when a service answers with an error', async () => {
    const identity = await service(200);
    const audit = await service(500);

    const report = await checkDependencies({ IDENTITY_URL: identity.url, AUDIT_URL: audit.url });

    expect(report.status).toBe('not_ready');
    expect(report.checks.identity?.status).toBe('up');
    expect(report.checks.audit).toMatchObject({ status: 'down', reason: 'HTTP 500' });
  });

  it('is not ready when a service is not listening', async () => {
    const identity = await service(200);

    const report = await checkDependencies({
      IDENTITY_URL: await closedPortUrl(),
      AUDIT_URL: identity.url,
    });

    expect(report.status).toBe('not_ready');
    expect(report.checks.identity).toMatchObject({
      status: 'down',
      reason: 'unreachable (ECONNREFUSED)',
    });
  });

  it('gives up on a service that never answers', async () => {
    const identity = await service(200);
    const audit = await service(null);

    const report = await checkDependencies({ IDENTITY_URL: identity.url, AUDIT_URL: audit.url });

    expect(report.status).toBe('not_ready');
    expect(report.checks.audit).toMatchObject({
      status: 'down',
      reason: `no answer within ${CHECK_TIMEOUT_MS} ms`,
    });
  });
});

describe('readPortalEnv', () => {
  it('defaults to the local identity and audit ports', () => {
    expect(readPortalEnv({ IDENTITY_URL: '', AUDIT_URL: undefined })).toEqual({
      ok: true,
      env: {
        IDENTITY_URL: 'http://127.0.0.1:3001',
        AUDIT_URL: 'http://127.0.0.1:3002',
        PORTAL_SERVICE_TOKEN: undefined,
        PORTAL_TRUSTED_PROXY_HOPS: 0,
      },
    });
  });

  it('reads how many proxies stand in front of the portal, 0 to 5', () => {
    expect(readPortalEnv({ PORTAL_TRUSTED_PROXY_HOPS: '2' })).toMatchObject({
      ok: true,
      env: { PORTAL_TRUSTED_PROXY_HOPS: 2 },
    });
    for (const bad of ['-1', '6', '1.5', 'one']) {
      const result = readPortalEnv({ PORTAL_TRUSTED_PROXY_HOPS: bad });
      expect(result.ok, bad).toBe(false);
      expect(result.ok ? '' : result.problems.join(), bad).toMatch(
        /PORTAL_TRUSTED_PROXY_HOPS: must be a whole number from 0 to 5/,
      );
    }
  });

  it('names a bad variable without echoing its value', () => {
    const result = readPortalEnv({ IDENTITY_URL: 'ftp://user:hunter2@identity' });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.join('\n')).toMatch(/IDENTITY_URL/);
    expect(problems.join('\n')).not.toMatch(/hunter2/);
  });

  it('takes the portal service token for visitors’ catalog reads, refusing anything else', () => {
    const token = 'pcl_svc_dev_portal_token_change_me_0000000000';
    expect(readPortalEnv({ PORTAL_SERVICE_TOKEN: token })).toMatchObject({
      ok: true,
      env: { PORTAL_SERVICE_TOKEN: token },
    });
    const wrong = readPortalEnv({ PORTAL_SERVICE_TOKEN: 'pcl_sess_someones_session_token_000000' });
    expect(wrong.ok).toBe(false);
    expect(wrong.ok ? '' : wrong.problems.join()).toMatch(/PORTAL_SERVICE_TOKEN/);
    expect(wrong.ok ? '' : wrong.problems.join()).not.toMatch(/someones/);
  });
});
