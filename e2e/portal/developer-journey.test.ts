import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, uniqueSuffix, type SeededApi } from '../support/fixtures.js';
import { startAuditProcess, startGatewayProcess, startIdentityProcess } from '../support/stack.js';
import { UpstreamRecorder } from '../support/upstream-recorder.js';
import {
  launchBrowser,
  newPerson,
  screenshot,
  seriousA11yViolations,
  type Person,
} from './support/browser.js';
import { startPortalProcess } from './support/portal-process.js';

/**
 * The issue's scenario, in a real browser against the real services: a new developer signs up,
 * registers an application and asks for production access; an approver approves it with a
 * comment; the developer creates credentials and sees the secret once; a call through the
 * gateway with them succeeds and shows up in the API owner's usage and the security team's audit.
 */
describe('portal: from sign-up to an audited API call', () => {
  const fixtures = new Fixtures();
  const upstream = new UpstreamRecorder();
  const suffix = uniqueSuffix();
  const password = `correct horse ${randomBytes(6).toString('hex')}`;
  const developer = { name: `Dana Developer ${suffix}`, email: `dana-${suffix}@example.test` };
  const approver = { name: `Ari Approver ${suffix}`, email: `ari-${suffix}@example.test` };
  const security = { name: `Sam Security ${suffix}`, email: `sam-${suffix}@example.test` };
  const appName = `Billing sync ${suffix}`;
  const justification = `Nightly reconciliation of invoices for ${suffix}.`;
  const approvalComment = `Approved for nightly runs ${suffix}`;
  let identity: AppProcess;
  let audit: AppProcess;
  let gateway: AppProcess;
  let portal: AppProcess;
  let browser: Browser;
  let api: SeededApi;
  let dev: Person;
  let credentials: { clientId: string; secret: string };

  /** Visits a page, checks it with axe-core and for CSP violations, and keeps a screenshot. */
  async function check(person: Person, name: string): Promise<void> {
    await person.page.locator('main h1').first().waitFor();
    const styled = await person.page.evaluate(
      `Array.from(document.querySelectorAll('[style]:not([style=""]):not(next-route-announcer)')).slice(0, 3).map((element) => element.outerHTML.slice(0, 200))`,
    );
    expect(styled, `inline styles on ${name}`).toEqual([]);
    expect(person.cspViolations, `CSP on ${name}`).toEqual([]);
    expect(await seriousA11yViolations(person.page), `axe on ${name}`).toEqual([]);
    // axe-core itself sets inline styles while measuring contrast; those are the test's, not the page's.
    person.cspViolations.length = 0;
    await screenshot(person.page, name);
  }

  async function signUpThroughApi(person: { name: string; email: string }): Promise<string> {
    const response = await fetch(`${identity.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: person.email, password, displayName: person.name }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  async function signIn(person: { email: string }): Promise<Person> {
    const signedIn = await newPerson(browser, portal.url);
    await signedIn.page.goto('/sign-in');
    await signedIn.page.getByLabel('Email').fill(person.email);
    await signedIn.page.getByLabel('Password').fill(password);
    await signedIn.page.getByRole('button', { name: 'Sign in' }).click();
    await signedIn.page.getByRole('button', { name: 'Sign out' }).waitFor();
    return signedIn;
  }

  beforeAll(async () => {
    await upstream.start();
    identity = await startIdentityProcess('portal-identity');
    audit = await startAuditProcess('portal-audit', { IDENTITY_URL: identity.url });
    gateway = await startGatewayProcess({ name: 'portal-gateway', identity, plainHttp: true });
    portal = await startPortalProcess({
      IDENTITY_URL: identity.url,
      AUDIT_URL: audit.url,
      PUBLIC_GATEWAY_URL: gateway.url,
    });
    api = await fixtures.api({
      upstreamUrl: upstream.url,
      authMethods: ['oauth2_client_credentials', 'api_key'],
      slugPrefix: 'portal',
    });
    // The approver belongs to the team that owns the API; the security person holds the role.
    const approverId = await signUpThroughApi(approver);
    await fixtures.prisma.teamMember.create({
      data: { teamId: api.teamId, userId: approverId, role: 'member' },
    });
    const securityId = await signUpThroughApi(security);
    await fixtures.prisma.roleAssignment.create({ data: { userId: securityId, role: 'security' } });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([portal?.stop(), gateway?.stop(), audit?.stop()]);
    await identity?.stop();
    await upstream.stop();
    await fixtures.close();
  });

  it('shows the landing page to visitors, accessibly and within its CSP', async () => {
    const visitor = await newPerson(browser, portal.url);
    const response = await visitor.page.goto('/');
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).not.toContain('unsafe-inline');
    // HSTS only where the portal is reached over HTTPS (here: through a TLS-terminating proxy).
    expect(response?.headers()['strict-transport-security']).toBeUndefined();
    const viaTls = await fetch(`${portal.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaTls.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    // Over HTTPS the cookies are __Host- ones: no sibling subdomain can set them for the portal.
    const setCookie = viaTls.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-pcl_csrf=[^;]+;/);
    expect(setCookie.toLowerCase()).toContain('secure');
    expect(setCookie.toLowerCase()).toContain('path=/');
    expect(setCookie.toLowerCase()).not.toContain('domain=');
    await visitor.page.getByRole('link', { name: 'Create a developer account' }).waitFor();
    await check(visitor, '01-landing');
    // This portal has no service token (PORTAL_SERVICE_TOKEN): the catalog is behind sign-in.
    await visitor.page.goto('/catalog');
    await visitor.page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    expect(visitor.page.url()).toContain('next=%2Fcatalog');
    await visitor.context.close();
  });

  it('lets a new developer sign up, with helpful errors first', async () => {
    dev = await newPerson(browser, portal.url);
    await dev.page.goto('/sign-up');
    await check(dev, '02-sign-up');
    await dev.page.getByLabel('Your name').fill(developer.name);
    await dev.page.getByLabel('Work email').fill(developer.email);
    await dev.page.getByLabel('Password').fill('too short');
    await dev.page.getByRole('button', { name: 'Create account' }).click();
    await expect
      .poll(() => dev.page.getByText('Use at least 12 characters').isVisible())
      .toBe(true);
    await expect(dev.page.getByLabel('Password').getAttribute('aria-invalid')).resolves.toBe(
      'true',
    );
    // What was typed stays, except the password.
    await expect(dev.page.getByLabel('Work email').inputValue()).resolves.toBe(developer.email);

    await dev.page.getByLabel('Password').fill(password);
    await dev.page.getByRole('button', { name: 'Create account' }).click();
    await dev.page.getByRole('heading', { name: /Welcome to Portcullis/ }).waitFor();
    const cookies = await dev.context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'pcl_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    expect(session?.value).toMatch(/^pcl_sess_/);
    await check(dev, '03-dashboard');
  });

  it('refuses a form whose CSRF token was tampered with', async () => {
    await dev.page.goto('/teams');
    await check(dev, '03b-teams');
    const form = dev.page.getByRole('form', { name: 'Create a team' });
    await form.getByLabel('Team name').fill(`Forged ${suffix}`);
    await dev.page.evaluate(
      `document.querySelector('form[aria-label="Create a team"] input[name="csrf"]').value = 'forged'`,
    );
    await form.getByRole('button', { name: 'Create team' }).click();
    await form.getByRole('alert').getByText('This form has expired').waitFor();
    const teams = await fetchJson(`${identity.url}/v1/teams`, await sessionToken(dev));
    expect(JSON.stringify(teams)).not.toContain(`Forged ${suffix}`);
    await dev.page.goto('/dashboard');
  });

  it('registers an application', async () => {
    await dev.page.getByRole('link', { name: 'New application' }).first().click();
    await dev.page.getByLabel('Application name').waitFor();
    await check(dev, '04-new-application');
    await dev.page.getByLabel('Application name').fill(appName);
    await dev.page
      .getByLabel('What it does')
      .fill('Reconciles invoices with payments every night.');
    await dev.page.getByRole('button', { name: 'Register application' }).click();
    await dev.page.getByRole('heading', { name: appName }).waitFor();
    await check(dev, '05-application');
  });

  it('finds the API in the catalog and requests production access', async () => {
    await dev.page.getByRole('link', { name: 'Catalog', exact: true }).click();
    await dev.page.getByRole('searchbox', { name: 'Search APIs' }).fill(api.slug);
    await dev.page.getByRole('button', { name: 'Search' }).click();
    await dev.page.getByRole('link', { name: `E2E ${api.slug}` }).waitFor();
    await check(dev, '06-catalog');
    await dev.page.getByRole('link', { name: `E2E ${api.slug}` }).click();
    await dev.page.getByRole('heading', { name: `E2E ${api.slug}`, level: 1 }).waitFor();
    // The examples are there in six languages.
    for (const language of ['curl', 'Node.js', 'Python', 'Java', 'Go', 'C#']) {
      await dev.page.getByRole('tab', { name: language }).waitFor();
    }
    await check(dev, '07-api');

    const form = dev.page.getByRole('form', { name: 'Request access' });
    await form.getByLabel('Application', { exact: true }).selectOption({ label: appName });
    await form.getByRole('radio', { name: /Production/ }).check();
    await form.getByLabel('Why does your application need it?').fill(justification);
    await form.getByRole('button', { name: 'Request access' }).click();
    await dev.page.getByRole('heading', { name: `${appName} → E2E ${api.slug}` }).waitFor();
    await dev.page.getByText('Waiting for approval').first().waitFor();
    await check(dev, '08-request-pending');
  });

  it('lets the approver approve it with a comment, seeing who asks and why', async () => {
    const ari = await signIn(approver);
    await ari.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Approvals', exact: true })
      .click();
    const request = ari.page.getByRole('listitem').filter({ hasText: justification });
    await request.getByRole('heading', { name: `${appName} → E2E ${api.slug}` }).waitFor();
    await expect(request.getByText(developer.email).count()).resolves.toBeGreaterThan(0);
    await check(ari, '09-approvals');
    const approve = request.getByRole('form', { name: /^Approve / });
    await approve.getByLabel('Comment for the developer').fill(approvalComment);
    await approve.getByRole('button', { name: 'Approve' }).click();
    await ari.page
      .getByRole('status')
      .getByText('Approved. The developer has been notified.')
      .waitFor();
    // Decided requests leave the inbox and join the history.
    await ari.page.getByRole('link', { name: 'Approved', exact: true }).click();
    await ari.page.getByRole('heading', { name: `${appName} → E2E ${api.slug}` }).waitFor();
    await ari.context.close();
  });

  it('tells the developer, with the decision history', async () => {
    await dev.page.reload();
    await dev.page.getByText(approvalComment).waitFor();
    await expect(
      dev.page.getByRole('link', { name: /Notifications, [1-9]\d* unread/ }).count(),
    ).resolves.toBe(1);
    await check(dev, '10-request-approved');
    await dev.page.getByRole('link', { name: /Notifications, \d+ unread/ }).click();
    await dev.page
      .getByText(/was approved/)
      .first()
      .waitFor();
    await check(dev, '11-notifications');
  });

  it('creates credentials and shows the secret exactly once', async () => {
    await dev.page.goto('/apps');
    await dev.page.getByRole('link', { name: appName }).click();
    const form = dev.page.getByRole('form', { name: 'Create a credential' });
    await form.getByRole('radio', { name: /OAuth2 client credentials/ }).check();
    await form.getByRole('radio', { name: 'Production' }).check();
    await form.getByRole('button', { name: 'Create credential' }).click();
    await dev.page.getByText('this is the only time it is shown').waitFor();
    const clientId = (await dev.page.getByTestId('client-id').textContent())?.trim() ?? '';
    const secret = (await dev.page.getByTestId('secret-value').textContent())?.trim() ?? '';
    expect(clientId).not.toBe('');
    expect(secret.length).toBeGreaterThan(20);
    await dev.page.getByRole('button', { name: 'Copy client secret' }).click();
    await expect(dev.page.evaluate('navigator.clipboard.readText()')).resolves.toBe(secret);
    await check(dev, '12-secret-once');
    credentials = { clientId, secret };

    await dev.page.reload();
    await dev.page.getByRole('heading', { name: appName }).waitFor();
    expect(await dev.page.content()).not.toContain(secret);
    // The examples now carry the application's own client id.
    await dev.page
      .getByRole('link', { name: /examples/ })
      .first()
      .click();
    await dev.page.getByRole('tab', { name: 'curl' }).waitFor();
    await expect(dev.page.getByRole('tabpanel').textContent()).resolves.toContain(clientId);
  });

  it('gets a token and calls the API through the gateway', async () => {
    const token = await expect
      .poll(
        async () => {
          const response = await fetch(`${identity.url}/oauth2/token`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.secret)}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              resource: `urn:portcullis:api:${api.slug}`,
            }),
          });
          return response.ok
            ? ((await response.json()) as { access_token: string }).access_token
            : `HTTP ${response.status}`;
        },
        { timeout: 20_000 },
      )
      .toMatch(/^ey/);
    void token;
    // The gateway follows identity's configuration feed; retry until it knows the new credential.
    await expect
      .poll(
        async () => {
          const tokenResponse = await fetch(`${identity.url}/oauth2/token`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.secret)}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              resource: `urn:portcullis:api:${api.slug}`,
            }),
          });
          const { access_token } = (await tokenResponse.json()) as { access_token: string };
          const call = await fetch(`${gateway.url}${api.basePath}/items/42`, {
            headers: { authorization: `Bearer ${access_token}` },
          });
          await call.body?.cancel();
          return call.status;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(200);
    expect(upstream.requests.some((request) => request.url.endsWith('/items/42'))).toBe(true);
  });

  it('shows the call in the API owner’s usage', async () => {
    const ari = await signIn(approver);
    await ari.page.goto(`/owner/apis/${api.slug}?range=1h`);
    await expect
      .poll(
        async () => {
          await ari.page.reload();
          return Number((await ari.page.getByTestId('usage-total').textContent()) ?? '0');
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBeGreaterThanOrEqual(1);
    await ari.page.getByRole('img', { name: /Requests, errors and denials/ }).waitFor();
    await ari.page
      .getByRole('cell', { name: developer.email })
      .or(ari.page.getByRole('link', { name: developer.email }))
      .first()
      .waitFor();
    await check(ari, '13-owner-usage');
    await ari.context.close();
  });

  it('shows the call in the security team’s audit search, with exports', async () => {
    const sam = await signIn(security);
    await sam.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Security', exact: true })
      .click();
    await sam.page.getByLabel('Client id').fill(credentials.clientId);
    await sam.page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(
        async () => {
          const rows = await sam.page
            .getByRole('table', { name: 'Audit events' })
            .getByRole('row')
            .filter({ hasText: '/items/42' })
            .count();
          if (rows === 0) await sam.page.reload();
          return rows;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBeGreaterThanOrEqual(1);
    await check(sam, '14-audit-search');

    const exported = await sam.page.request.get(
      `/security/audit/export?format=ndjson&clientId=${encodeURIComponent(credentials.clientId)}`,
    );
    expect(exported.status()).toBe(200);
    expect(exported.headers()['content-disposition']).toMatch(
      /attachment; filename="portcullis-audit-.*\.ndjson"/,
    );
    expect(await exported.text()).toContain(credentials.clientId);
    const csv = await sam.page.request.get(
      `/security/audit/export?format=csv&clientId=${encodeURIComponent(credentials.clientId)}`,
    );
    expect(csv.headers()['content-type']).toContain('text/csv');

    for (const [path, name] of [
      ['/security/alerts', '15-alerts'],
      ['/security/siem', '16-siem'],
      ['/admin/users', '17-users'],
      ['/admin/apis', '18-apis'],
    ] as const) {
      await sam.page.goto(path);
      await check(sam, name);
    }
    await sam.context.close();
  });

  it('pages through applications once they fill more than a page', async () => {
    const token = await sessionToken(dev);
    const me = (await fetchJson(`${identity.url}/v1/me`, token)) as { teams: { id: string }[] };
    const teamId = me.teams[0]!.id;
    const before = (await fetchJson(`${identity.url}/v1/applications?pageSize=1`, token)) as {
      total: number;
    };
    // The portal shows 24 to a page: fill the first and start a second.
    for (let index = before.total; index < 25; index += 1) {
      const created = await fetch(`${identity.url}/v1/teams/${teamId}/applications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Batch job ${String(index).padStart(2, '0')} ${suffix}` }),
      });
      expect(created.status).toBe(201);
    }
    await dev.page.goto('/apps');
    const pager = dev.page.getByRole('navigation', { name: 'Application pages' });
    await pager.getByText('Page 1 of 2 · 25 in all').waitFor();
    const firstPage = await dev.page.locator('.grid-cards h2').allTextContents();
    expect(firstPage).toHaveLength(24);
    await check(dev, '18b-applications-paged');
    await pager.getByRole('link', { name: 'Next page' }).click();
    await dev.page.waitForURL(/\/apps\?page=2$/);
    await pager.getByText('Page 2 of 2 · 25 in all').waitFor();
    const secondPage = await dev.page.locator('.grid-cards h2').allTextContents();
    expect(secondPage).toHaveLength(1);
    expect(firstPage).not.toContain(secondPage[0]);
    await pager.getByRole('link', { name: 'Previous page' }).waitFor();
  });

  it('fits a phone screen and signs out', async () => {
    await dev.page.setViewportSize({ width: 375, height: 800 });
    await dev.page.goto('/dashboard');
    const overflow = Number(
      await dev.page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await check(dev, '19-dashboard-phone');
    await dev.page.getByRole('button', { name: 'Sign out' }).click();
    await dev.page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    expect((await dev.context.cookies()).some((cookie) => cookie.name === 'pcl_session')).toBe(
      false,
    );
    await dev.context.close();
  });
});

async function sessionToken(person: Person): Promise<string> {
  return (
    (await person.context.cookies()).find((cookie) => cookie.name === 'pcl_session')?.value ?? ''
  );
}

async function fetchJson(url: string, token: string): Promise<unknown> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return response.json();
}
