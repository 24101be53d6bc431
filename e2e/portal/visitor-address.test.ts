import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, uniqueSuffix } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { startIdentityProcess } from '../support/stack.js';
import { launchBrowser, newPerson } from './support/browser.js';
import { startPortalProcess } from './support/portal-process.js';

/**
 * A portal that faces browsers itself (no proxy in front, PORTAL_TRUSTED_PROXY_HOPS=0, the
 * default): its server records each connection's address and passes it on, so identity records
 * the visitor's address, not the portal's. The browser connects over IPv6 loopback and the portal
 * calls identity over IPv4 loopback, so the two addresses differ.
 */
describe('portal: the visitor’s address without a proxy in front', () => {
  const fixtures = new Fixtures();
  const suffix = uniqueSuffix();
  const password = `correct horse ${randomBytes(6).toString('hex')}`;
  let identity: AppProcess;
  let portal: AppProcess;
  let browser: Browser;

  beforeAll(async () => {
    // identity believes the portal (which calls it from 127.0.0.1) and nobody else.
    identity = await startIdentityProcess('portal-visitor-identity', {
      TRUSTED_PROXIES: '127.0.0.1',
    });
    portal = await startPortalProcess(
      {
        IDENTITY_URL: identity.url,
        AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
        PORTAL_TRUSTED_PROXY_HOPS: '0',
      },
      '::',
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
    await identity?.stop();
    await fixtures.close();
  });

  it('records the browser’s own address, whatever X-Forwarded-For it sends', async () => {
    const email = `vic-${suffix}@example.test`;
    const signUp = await fetch(`${identity.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, displayName: `Vic Visitor ${suffix}` }),
    });
    expect(signUp.status).toBe(201);
    const { id: userId } = (await signUp.json()) as { id: string };

    const port = new URL(portal.url).port;
    const visitor = await newPerson(browser, `http://[::1]:${port}`);
    // With no proxy in front, a client-sent X-Forwarded-For is nobody's word.
    await visitor.context.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.9' });
    await visitor.page.goto('/sign-in');
    await visitor.page.getByLabel('Email').fill(email);
    await visitor.page.getByLabel('Password').fill(password);
    await visitor.page.getByRole('button', { name: 'Sign in' }).click();
    await visitor.page.getByRole('button', { name: 'Sign out' }).waitFor();

    const sessions = await fixtures.prisma.session.findMany({ where: { userId } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ ip: '::1' });
    expect(sessions[0]!.userAgent).toMatch(/HeadlessChrome/);
    const devices = await fixtures.prisma.signInDevice.findMany({ where: { userId } });
    expect(devices.map((device) => device.lastSignInIp)).toEqual(['::1']);
    await visitor.context.close();
  });
});
