import { randomInt } from 'node:crypto';
import { newEventId } from '@portcullis/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, type SeededApi, type SeededApp } from '../support/fixtures.js';
import { startGatewayProcess, startIdentityProcess } from '../support/stack.js';
import { UpstreamRecorder } from '../support/upstream-recorder.js';

/** identity's development token for the audit service (apps/identity/src/config.ts). */
const AUDIT_TOKEN = 'pcl_svc_dev_audit_token_change_me_00000000000';

/**
 * audit's automatic responses as the gateway enforces them: identity applies a block_ip or
 * suspend_credential response, announces it on portcullis.config-changes.v1, and the real
 * gateway refuses the address or credential within a second — and serves it again once lifted.
 */
describe('security responses at the gateway', () => {
  const fixtures = new Fixtures();
  const upstream = new UpstreamRecorder();
  let identity: AppProcess;
  let gateway: AppProcess;
  let api: SeededApi;
  let app: SeededApp;
  // Created before the gateway starts, so its first snapshot has them.
  let blockKey: { key: string; credentialId: string };
  let suspendKey: { key: string; credentialId: string };
  let client: { clientId: string; clientSecret: string; credentialId: string };

  beforeAll(async () => {
    await upstream.start();
    identity = await startIdentityProcess('security-responses-identity');
    api = await fixtures.api({ upstreamUrl: `${upstream.url}/backend` });
    app = await fixtures.application();
    await fixtures.subscribe(app, api, { scopes: ['items:read'] });
    blockKey = await fixtures.apiKey(app);
    suspendKey = await fixtures.apiKey(app);
    client = await fixtures.clientSecret(app);
    gateway = await startGatewayProcess({ name: 'security-responses-gateway', identity });
  });
  afterAll(async () => {
    await Promise.all([gateway?.stop(), identity?.stop()]);
    await Promise.all([upstream.stop(), fixtures.close()]);
  });

  /** A client on its own loopback address, so a block hits only this test. */
  function clientAt(address: string): Agent {
    return new Agent({ localAddress: address, connect: { rejectUnauthorized: false } });
  }

  async function status(agent: Agent, headers: Record<string, string>): Promise<number> {
    const response = await request(`${gateway.url}${api.basePath}/items/1`, {
      dispatcher: agent,
      headers,
    });
    await response.body.dump();
    return response.statusCode;
  }

  async function until(
    expected: number,
    probe: () => Promise<number>,
    withinMs = 3_000,
  ): Promise<number> {
    const started = Date.now();
    let last = await probe();
    while (last !== expected && Date.now() - started < withinMs) {
      await sleep(50);
      last = await probe();
    }
    return last;
  }

  async function respond(method: 'PUT' | 'DELETE', id: string, body?: object) {
    const response = await request(`${identity.url}/v1/security/responses/${id}`, {
      method,
      headers: {
        authorization: `Bearer ${AUDIT_TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    await response.body.dump();
    return response.statusCode;
  }

  it('blocks a source address within a second and lets it back in when lifted', async () => {
    const { key } = blockKey;
    const blocked = `127.${randomInt(2, 250)}.${randomInt(0, 256)}.${randomInt(2, 250)}`;
    const other = `127.${randomInt(2, 250)}.${randomInt(0, 256)}.${randomInt(2, 250)}`;
    const blockedClient = clientAt(blocked);
    const otherClient = clientAt(other);
    try {
      expect(await status(blockedClient, { 'x-api-key': key })).toBe(200);
      const id = newEventId();
      expect(
        await respond('PUT', id, {
          action: 'block_ip',
          target: blocked,
          until: new Date(Date.now() + 600_000).toISOString(),
          reason: 'auth failure burst',
          source: { service: 'audit', alertId: newEventId() },
        }),
      ).toBe(201);
      expect(await until(403, () => status(blockedClient, { 'x-api-key': key }), 1_500)).toBe(403);
      expect(await status(otherClient, { 'x-api-key': key })).toBe(200);

      expect(await respond('DELETE', id)).toBe(204);
      expect(await until(200, () => status(blockedClient, { 'x-api-key': key }), 1_500)).toBe(200);
    } finally {
      await Promise.all([blockedClient.close(), otherClient.close()]);
    }
  });

  it('suspends a credential at the gateway and the token endpoint until lifted', async () => {
    const apiKey = suspendKey;
    const agent = clientAt('127.0.0.1');
    const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
    const tokenStatus = async () => {
      const response = await request(`${identity.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: 'grant_type=client_credentials',
      });
      await response.body.dump();
      return response.statusCode;
    };
    const issueToken = async () => {
      const response = await request(`${identity.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: 'grant_type=client_credentials',
      });
      expect(response.statusCode).toBe(200);
      return ((await response.body.json()) as { access_token: string }).access_token;
    };
    try {
      expect(await status(agent, { 'x-api-key': apiKey.key })).toBe(200);
      expect(await status(agent, { authorization: basic })).toBe(200);
      expect(await tokenStatus()).toBe(200);
      // Issued before the suspension: it must stop working with its credential, not at its expiry.
      const bearer = `Bearer ${await issueToken()}`;
      expect(await status(agent, { authorization: bearer })).toBe(200);

      const until1 = new Date(Date.now() + 600_000).toISOString();
      const keyResponse = newEventId();
      const clientResponse = newEventId();
      for (const [id, target] of [
        [keyResponse, apiKey.credentialId],
        [clientResponse, client.credentialId],
      ] as const) {
        expect(
          await respond('PUT', id, {
            action: 'suspend_credential',
            target,
            until: until1,
            reason: 'revoked credential used',
            source: { service: 'audit', alertId: newEventId() },
          }),
        ).toBe(201);
      }
      expect(await until(401, () => status(agent, { 'x-api-key': apiKey.key }), 1_500)).toBe(401);
      expect(await until(401, () => status(agent, { authorization: basic }), 1_500)).toBe(401);
      expect(await until(401, () => status(agent, { authorization: bearer }), 1_500)).toBe(401);
      expect(await tokenStatus()).toBe(401);

      expect(await respond('DELETE', keyResponse)).toBe(204);
      expect(await respond('DELETE', clientResponse)).toBe(204);
      expect(await until(200, () => status(agent, { 'x-api-key': apiKey.key }), 1_500)).toBe(200);
      expect(await until(200, () => status(agent, { authorization: basic }), 1_500)).toBe(200);
      expect(await until(200, () => status(agent, { authorization: bearer }), 1_500)).toBe(200);
      expect(await tokenStatus()).toBe(200);
    } finally {
      await agent.close();
    }
  });
});
