import { lookup as dnsLookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@portcullis/config';
import { newEventId } from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadIdentityConfig, type IdentityConfig } from '../../src/config.js';
import {
  DESTINATION_NOT_ALLOWED,
  retryDelayMs,
} from '../../src/webhooks/webhook-delivery-worker.js';
import { classifyAddress } from '../../src/destinations/address-class.js';
import {
  WEBHOOK_DESTINATION_REFUSED,
  WebhookUrlGuard,
} from '../../src/webhooks/webhook-url-guard.js';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import {
  caller,
  createApplication,
  createTeam,
  signUpUser,
  testPrisma,
  type Call,
  type TestUser,
} from '../support/management-fixtures.js';

function guardFor(env: string, allowed: string[] = []): WebhookUrlGuard {
  return new WebhookUrlGuard({
    NODE_ENV: env,
    WEBHOOK_ALLOWED_PRIVATE_HOSTS: allowed,
  } as unknown as IdentityConfig);
}

describe('webhook destinations (SSRF guard)', () => {
  it('classifies internal addresses, including mapped and metadata ones', () => {
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('10.1.2.3')).toBe('private');
    expect(classifyAddress('172.20.0.1')).toBe('private');
    expect(classifyAddress('192.168.1.1')).toBe('private');
    expect(classifyAddress('100.64.0.1')).toBe('private');
    expect(classifyAddress('fd12::1')).toBe('private');
    expect(classifyAddress('169.254.10.10')).toBe('link-local');
    expect(classifyAddress('fe80::1')).toBe('link-local');
    expect(classifyAddress('169.254.169.254')).toBe('metadata');
    expect(classifyAddress('fd00:ec2::254')).toBe('metadata');
    expect(classifyAddress('::ffff:169.254.169.254')).toBe('metadata');
    expect(classifyAddress('::ffff:10.0.0.1')).toBe('private');
    expect(classifyAddress('64:ff9b::7f00:1')).toBe('loopback');
    expect(classifyAddress('0.0.0.0')).toBe('unspecified');
    expect(classifyAddress('::')).toBe('unspecified');
    expect(classifyAddress('224.0.0.1')).toBe('multicast');
    expect(classifyAddress('93.184.216.34')).toBeNull();
    expect(classifyAddress('2606:4700::1111')).toBeNull();
  });

  it('allows nothing internal in production unless the operator lists it', async () => {
    const production = guardFor('production');
    expect(production.refusal('localhost', '127.0.0.1')).toMatch(/loopback/);
    expect(production.refusal('hooks.internal', '10.0.0.5')).toMatch(/private/);
    expect(production.refusal('example.com', '93.184.216.34')).toBeNull();

    const listed = guardFor('production', ['hooks.internal', '192.168.50.0/24', 'fd00::7']);
    expect(listed.refusal('hooks.internal', '10.0.0.5')).toBeNull();
    expect(listed.refusal('HOOKS.INTERNAL.', '10.0.0.5')).toBeNull();
    expect(listed.refusal('other.internal', '192.168.50.9')).toBeNull();
    expect(listed.refusal('other.internal', '192.168.51.9')).toMatch(/private/);
    expect(listed.refusal('x', 'fd00::7')).toBeNull();
    expect(listed.refusal('other.internal', '169.254.169.254')).toMatch(/metadata/);

    // Development and test allow loopback, so local demos work; still nothing else internal.
    for (const env of ['development', 'test']) {
      expect(guardFor(env).refusal('localhost', '127.0.0.1')).toBeNull();
      expect(guardFor(env).refusal('localhost', '::1')).toBeNull();
      expect(guardFor(env).refusal('x', '10.0.0.1')).toMatch(/private/);
    }

    // Every address a name resolves to counts: one internal answer is enough to refuse.
    production.useResolver(async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.9.9.9', family: 4 },
    ]);
    expect(await production.check(new URL('https://mixed.example/hook'))).toMatchObject({
      ok: false,
    });
    production.useResolver(async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    });
    // The precise reason is for identity's log; clients get the same message for every refusal.
    expect(await production.check(new URL('https://gone.example/'))).toEqual({
      ok: false,
      reason: 'gone.example does not resolve (ENOTFOUND)',
    });
    expect(await production.check(new URL('http://[::ffff:a00:1]/'))).toMatchObject({
      ok: false,
    });
  });

  it('checks the address it connects to, so a changed DNS answer is caught', async () => {
    const receiver = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const guard = guardFor('test');
    const agent = new Agent({ connect: { lookup: guard.lookup } });
    try {
      guard.useResolver(async () => [{ address: '127.0.0.1', family: 4 }]);
      const allowed = await request(`http://hooks.example.test:${port}/`, { dispatcher: agent });
      expect(allowed.statusCode).toBe(200);
      await allowed.body.dump();
      // The name now points inside the network: the connection is refused before it is made.
      guard.useResolver(async () => [{ address: '10.1.2.3', family: 4 }]);
      await expect(
        request(`http://rebound.example.test:${port}/`, { dispatcher: agent }),
      ).rejects.toMatchObject({ code: 'EDESTINATIONNOTALLOWED' });
    } finally {
      await agent.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('validates the allow-list at start-up', () => {
    expect(() => loadIdentityConfig({ WEBHOOK_ALLOWED_PRIVATE_HOSTS: '10.0.0.0/99' })).toThrow(
      ConfigError,
    );
    expect(() => loadIdentityConfig({ WEBHOOK_ALLOWED_PRIVATE_HOSTS: 'http://x' })).toThrow(
      /WEBHOOK_ALLOWED_PRIVATE_HOSTS/,
    );
    expect(
      loadIdentityConfig({ WEBHOOK_ALLOWED_PRIVATE_HOSTS: ' Hooks.Internal , 10.0.0.0/8 ' })
        .WEBHOOK_ALLOWED_PRIVATE_HOSTS,
    ).toEqual(['hooks.internal', '10.0.0.0/8']);
  });

  it('backs off exponentially with jitter, up to a cap', () => {
    for (let run = 0; run < 20; run += 1) {
      expect(retryDelayMs(1, 2_000, 3_600_000)).toBeGreaterThanOrEqual(1_600);
      expect(retryDelayMs(1, 2_000, 3_600_000)).toBeLessThanOrEqual(2_400);
      expect(retryDelayMs(3, 2_000, 3_600_000)).toBeGreaterThanOrEqual(25_600);
      expect(retryDelayMs(3, 2_000, 3_600_000)).toBeLessThanOrEqual(38_400);
      expect(retryDelayMs(12, 2_000, 3_600_000)).toBeLessThanOrEqual(4_320_000);
    }
  });
});

describe('webhook outbox', () => {
  let identity: IdentityTestApp;
  let call: Call;
  let prisma: PrismaClient;
  let owner: TestUser;
  let receiver: Server;
  let receiverUrl: string;
  /** Status codes to answer, in order; 204 once they run out. */
  let script: number[] = [];
  const received: { delivery: string; body: string }[] = [];

  beforeAll(async () => {
    identity = await startIdentity();
    call = caller(identity);
    prisma = testPrisma();
    owner = await signUpUser(call, 'outbox');
    receiver = createServer((incoming, response) => {
      let body = '';
      incoming.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      incoming.on('end', () => {
        received.push({ delivery: String(incoming.headers['x-portcullis-delivery']), body });
        response.statusCode = script.shift() ?? 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  /** Each test registers in a team of its own, so events do not fan out to other tests' hooks. */
  let teamId: string;
  beforeEach(async () => {
    teamId = await createTeam(call, owner.token, 'hooks');
  });

  async function register(url: string) {
    return call('POST', `/v1/teams/${teamId}/webhooks`, {
      token: owner.token,
      body: { url, events: ['application.created'] },
    });
  }

  async function deliveriesOf(webhookId: string) {
    const response = await call('GET', `/v1/teams/${teamId}/webhooks/${webhookId}/deliveries`, {
      token: owner.token,
    });
    expect(response.status).toBe(200);
    return response.body.items as {
      eventId: string;
      status: string;
      attempts: number;
      lastStatusCode: number | null;
      lastError: string | null;
      nextAttemptAt: string | null;
    }[];
  }

  async function waitForStatus(webhookId: string, status: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const items = await deliveriesOf(webhookId);
      if (items[0]?.status === status) return items[0];
      if (Date.now() > deadline) throw new Error(`delivery is ${JSON.stringify(items[0])}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('refuses internal destinations at registration', async () => {
    for (const url of [
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:10.0.0.1]/hook',
      'http://[fd00:ec2::254]/',
      'http://192.168.0.10:8080/',
      'http://unresolvable-host.invalid/hook',
    ]) {
      const response = await register(url);
      expect(response.status, url).toBe(400);
      expect(response.body.errors).toEqual([{ path: 'url', message: WEBHOOK_DESTINATION_REFUSED }]);
    }
    // Loopback is fine under NODE_ENV=test (local demos).
    expect((await register(receiverUrl)).status).toBe(201);
  });

  it('lets the operator allow an internal range', async () => {
    const allowing = await startIdentity({ WEBHOOK_ALLOWED_PRIVATE_HOSTS: '10.77.0.0/16' });
    try {
      const response = await caller(allowing)('POST', `/v1/teams/${teamId}/webhooks`, {
        token: owner.token,
        // An event no test dispatches: nothing is ever sent to this private address.
        body: { url: 'http://10.77.1.2/hook', events: ['api.deleted'] },
      });
      expect(response.status).toBe(201);
      await prisma.webhookEndpoint.delete({ where: { id: response.body.id } });
    } finally {
      await allowing.close();
    }
  });

  it('persists deliveries, retries with back-off and shows them on the endpoint', async () => {
    const hook = await register(receiverUrl);
    script = [500, 503];
    const appId = await createApplication(call, owner.token, teamId);
    const delivered = await waitForStatus(hook.body.id, 'delivered');
    expect(delivered).toMatchObject({ attempts: 3, lastStatusCode: 204, lastError: null });
    const mine = received.filter((entry) => entry.body.includes(appId));
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((entry) => entry.delivery))).toEqual(new Set([delivered.eventId]));
    const row = await prisma.webhookDelivery.findFirstOrThrow({
      where: { endpointId: hook.body.id },
    });
    // The 2nd attempt waited about WEBHOOK_RETRY_BASE_MS, the 3rd about 4× that.
    expect(row.deliveredAt!.getTime() - row.createdAt.getTime()).toBeGreaterThan(1_600 + 6_400);
    const endpoint = await prisma.webhookEndpoint.findUniqueOrThrow({
      where: { id: hook.body.id },
    });
    expect(endpoint.lastError).toBe('HTTP 503');
    expect(endpoint.lastSuccessAt).not.toBeNull();
  }, 40_000);

  it('gives up after WEBHOOK_MAX_ATTEMPTS', async () => {
    const hook = await register(receiverUrl);
    // As if seven attempts had failed already: the eighth (the default maximum) is the last.
    const eventId = newEventId();
    script = [500];
    await prisma.webhookDelivery.create({
      data: {
        endpointId: hook.body.id,
        eventId,
        eventType: 'application.created',
        payload: {
          id: eventId,
          type: 'application.created',
          time: new Date().toISOString(),
          data: {},
        },
        attempts: 7,
      },
    });
    const failed = await waitForStatus(hook.body.id, 'failed');
    expect(failed).toMatchObject({ attempts: 8, lastStatusCode: 500, nextAttemptAt: null });
  });

  it('refuses an internal destination again at delivery time', async () => {
    // As if the endpoint's name had come to point at the metadata service after registration.
    const hook = await prisma.webhookEndpoint.create({
      data: {
        teamId,
        url: 'http://169.254.169.254/latest/meta-data/',
        secretEncrypted: 'v1.x.y.z',
        events: ['application.created'],
      },
    });
    await createApplication(call, owner.token, teamId);
    const failed = await waitForStatus(hook.id, 'failed');
    expect(failed.attempts).toBe(1);
    // Team members read this: it names neither the address nor its kind.
    expect(failed.lastError).toBe(DESTINATION_NOT_ALLOWED);
    expect(failed.lastError).not.toMatch(/169\.254|metadata/);
  });

  describe('without telling a team which internal names exist or where they point', () => {
    /** Host names this suite's DNS answers itself; everything else goes to the system resolver. */
    const dns = new Map<string, string | Error>();
    let guard: WebhookUrlGuard;
    let logger: Logger;

    beforeAll(() => {
      guard = identity.app.get(WebhookUrlGuard);
      logger = identity.app.get<Logger>(LOGGER);
      guard.useResolver(async (host) => {
        const answer = dns.get(host);
        if (answer instanceof Error) throw answer;
        if (answer !== undefined) return [{ address: answer, family: 4 }];
        return dnsLookup(host, { all: true, verbatim: true });
      });
    });
    afterEach(() => {
      dns.clear();
      vi.restoreAllMocks();
    });
    afterAll(() => guard.useResolver((host) => dnsLookup(host, { all: true, verbatim: true })));

    const notFound = () => Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });

    it('refuses an unknown host and an internal one with the same words', async () => {
      const info = vi.spyOn(logger, 'info');
      dns.set('missing.corp.example', notFound());
      dns.set('db.corp.example', '10.1.2.3');
      const missing = await register('https://missing.corp.example/hook');
      const internal = await register('https://db.corp.example/hook');
      const literal = await register('http://10.1.2.3/hook');
      for (const response of [missing, internal, literal]) {
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([
          { path: 'url', message: WEBHOOK_DESTINATION_REFUSED },
        ]);
        expect(response.body.detail).toBe(missing.body.detail);
        expect(JSON.stringify(response.body)).not.toMatch(/10\.1\.2\.3|ENOTFOUND|private/);
      }
      // Operators still learn exactly why, from identity's log.
      expect(info).toHaveBeenCalledWith(
        expect.objectContaining({
          teamId,
          host: 'missing.corp.example',
          reason: 'missing.corp.example does not resolve (ENOTFOUND)',
        }),
        'webhook destination refused',
      );
      expect(info).toHaveBeenCalledWith(
        expect.objectContaining({
          teamId,
          host: 'db.corp.example',
          reason: expect.stringMatching(/^10\.1\.2\.3 is a private address/),
        }),
        'webhook destination refused',
      );
    });

    it('treats a name re-pointed inside exactly like one that stopped resolving', async () => {
      const warn = vi.spyOn(logger, 'warn');
      const port = (receiver.address() as AddressInfo).port;
      dns.set('rebind.hooks.example', '127.0.0.1');
      dns.set('fading.hooks.example', '127.0.0.1');
      const rebound = await register(`http://rebind.hooks.example:${port}/hooks`);
      const fading = await register(`http://fading.hooks.example:${port}/hooks`);
      expect([rebound.status, fading.status]).toEqual([201, 201]);
      // After registration one name comes to point at an internal address (DNS rebinding), the
      // other stops resolving.
      dns.set('rebind.hooks.example', '10.1.2.3');
      dns.set('fading.hooks.example', notFound());
      await createApplication(call, owner.token, teamId);

      // What team members can read: the same status, attempts, error and a retry for both (the
      // next attempt is WEBHOOK_RETRY_BASE_MS away, so both still show their first one).
      const firstAttempt = async (webhookId: string) => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const [delivery] = await deliveriesOf(webhookId);
          if (delivery?.lastError) return delivery;
          if (Date.now() > deadline) throw new Error(`delivery is ${JSON.stringify(delivery)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      const seen = (delivery: Awaited<ReturnType<typeof firstAttempt>>) => ({
        status: delivery.status,
        attempts: delivery.attempts,
        lastStatusCode: delivery.lastStatusCode,
        lastError: delivery.lastError,
        retries: delivery.nextAttemptAt !== null,
      });
      const reboundDelivery = seen(await firstAttempt(rebound.body.id));
      expect(reboundDelivery).toEqual({
        status: 'pending',
        attempts: 1,
        lastStatusCode: null,
        lastError: DESTINATION_NOT_ALLOWED,
        retries: true,
      });
      expect(seen(await firstAttempt(fading.body.id))).toEqual(reboundDelivery);
      // The endpoints' lastError and the log line follow the delivery's row: wait for them.
      await vi.waitFor(
        async () => {
          const listed = await call('GET', `/v1/teams/${teamId}/webhooks`, {
            token: owner.token,
          });
          const endpoints = (listed.body.items as { id: string; lastError: string | null }[])
            .filter((item) => item.id === rebound.body.id || item.id === fading.body.id)
            .map((item) => item.lastError);
          expect(endpoints).toEqual([DESTINATION_NOT_ALLOWED, DESTINATION_NOT_ALLOWED]);
          expect(JSON.stringify(listed.body)).not.toMatch(/10\.1\.2\.3|private|ENOTFOUND/);
        },
        { timeout: 5_000, interval: 100 },
      );
      // Operators learn which is which from the log.
      await vi.waitFor(
        () => {
          expect(warn).toHaveBeenCalledWith(
            expect.objectContaining({
              webhookId: rebound.body.id,
              teamId,
              detail: expect.stringMatching(/10\.1\.2\.3 is a private address/),
            }),
            'webhook destination refused',
          );
          expect(warn).toHaveBeenCalledWith(
            expect.objectContaining({
              webhookId: fading.body.id,
              detail: 'fading.hooks.example does not resolve (ENOTFOUND)',
            }),
            'webhook destination refused',
          );
        },
        { timeout: 5_000, interval: 100 },
      );

      // The last attempt gives up the same way for both.
      await prisma.webhookDelivery.updateMany({
        where: { endpointId: { in: [rebound.body.id, fading.body.id] } },
        data: { attempts: 7, nextAttemptAt: new Date() },
      });
      const reboundFailed = await waitForStatus(rebound.body.id, 'failed');
      const fadingFailed = await waitForStatus(fading.body.id, 'failed');
      expect(seen(reboundFailed)).toEqual({
        status: 'failed',
        attempts: 8,
        lastStatusCode: null,
        lastError: DESTINATION_NOT_ALLOWED,
        retries: false,
      });
      expect(seen(fadingFailed)).toEqual(seen(reboundFailed));
    });
  });

  it('keeps pending deliveries across a restart', async () => {
    const first = await startIdentity();
    const hook = await register(receiverUrl);
    script = [500];
    const appId = await createApplication(caller(first), owner.token, teamId);
    const deadline = Date.now() + 10_000;
    while (!received.some((entry) => entry.body.includes(appId)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await first.close();
    // Whichever replica is up (here the suite's own) picks the retry up from the database.
    const delivered = await waitForStatus(hook.body.id, 'delivered');
    expect(delivered.attempts).toBe(2);
  });

  it('shows deliveries to team members only', async () => {
    const hook = await register(receiverUrl);
    const outsider = await signUpUser(call, 'outsider');
    const response = await call('GET', `/v1/teams/${teamId}/webhooks/${hook.body.id}/deliveries`, {
      token: outsider.token,
    });
    expect(response.status).toBe(404);
    const missing = await call('GET', `/v1/teams/${teamId}/webhooks/${newEventId()}/deliveries`, {
      token: owner.token,
    });
    expect(missing.status).toBe(404);
  });
});
