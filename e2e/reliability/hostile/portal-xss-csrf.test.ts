import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../support/app-process.js';
import { Fixtures } from '../../support/fixtures.js';
import { startIdentityProcess } from '../../support/stack.js';
import { launchBrowser } from '../../portal/support/browser.js';
import { startPortalProcess } from '../../portal/support/portal-process.js';
import {
  callJson,
  seedCast,
  signUpAndSignIn,
  startAuditProcess,
  type Cast,
  type SignedUpUser,
} from '../support/hostile-stack.js';
import { recordFinding } from '../support/reliability-report.js';

/**
 * Stored XSS: every free-text field the portal shows is filled, through identity's API, with
 * script payloads; each page that shows them is opened in headless Chromium as the person who
 * sees them. Nothing may run (no dialog, no marker set) and nothing may become an element.
 * Then CSRF: a real form submitted without its token, or from a foreign origin, changes nothing.
 */
const PAYLOADS = [
  `<script>window.__xss=1;alert('xss-script')</script>`,
  `"><img src=x onerror="window.__xss=2;alert('xss-img')">`,
  `javascript:window.__xss=3;alert('xss-url')`,
  `<svg onload="window.__xss=4;alert('xss-svg')"></svg>`,
  `'><iframe srcdoc="<script>parent.__xss=5</script>"></iframe>`,
  `[link](javascript:window.__xss=6) {{constructor.constructor('window.__xss=7')()}}`,
];
/** Every payload at once, for fields that hold long text. */
const ALL = PAYLOADS.join(' | ');

/** What the page must not contain if the payload stayed text. */
const INJECTED_ELEMENTS = [
  'img[src="x"]',
  'svg[onload]',
  'iframe[srcdoc]',
  '[onerror]',
  '[onload]',
  'a[href^="javascript:" i]',
].join(', ');

describe('portal: stored XSS payloads render inert, CSRF is refused', () => {
  const fixtures = new Fixtures();
  let identity: AppProcess;
  let audit: AppProcess;
  let portal: AppProcess;
  let browser: Browser;
  let cast: Cast;
  let hostileDev: SignedUpUser;
  const seeded = {
    teamId: '',
    appIds: [] as string[],
    apiSlugs: [] as string[],
    subscriptionId: '',
  };

  async function asAdmin(method: string, path: string, body?: unknown, token = cast.admin.token) {
    const response = await callJson(`${identity.url}${path}`, { method, token, body });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.text}`);
    return response.body as Record<string, unknown>;
  }

  beforeAll(async () => {
    identity = await startIdentityProcess('hostile-portal-identity');
    [audit, cast] = await Promise.all([
      startAuditProcess(identity, 'hostile-portal-audit'),
      seedCast(identity.url, fixtures.prisma),
    ]);
    portal = await startPortalProcess({
      IDENTITY_URL: identity.url,
      AUDIT_URL: audit.url,
      PUBLIC_GATEWAY_URL: 'http://127.0.0.1:9',
    });
    // A developer whose display name is a payload, in a team named with one, with apps named
    // with each payload, asking for access to APIs named with each, justified with all of them.
    hostileDev = await signUpAndSignIn(identity.url, 'h-xss');
    await fixtures.prisma.user.update({
      where: { id: hostileDev.id },
      data: { displayName: PAYLOADS[1]! },
    });
    const team = await asAdmin(
      'POST',
      '/v1/teams',
      { name: PAYLOADS[0], description: ALL },
      hostileDev.token,
    );
    seeded.teamId = team.id as string;
    for (const [index, payload] of PAYLOADS.entries()) {
      const app = await asAdmin(
        'POST',
        `/v1/teams/${seeded.teamId}/applications`,
        { name: payload.slice(0, 100), description: ALL },
        hostileDev.token,
      );
      seeded.appIds.push(app.id as string);
      const slug = `xss-${index}-${randomBytes(3).toString('hex')}`;
      await asAdmin('POST', '/v1/apis', {
        slug,
        name: payload.slice(0, 100),
        basePath: `/${slug}`,
        upstreamUrl: 'http://127.0.0.1:9',
        ownerTeamId: cast.admin.personalTeamId,
        description: ALL,
        openapiDocument: {
          openapi: '3.1.0',
          info: { title: PAYLOADS[0], version: '1', description: ALL },
          servers: [{ url: PAYLOADS[2], description: ALL }],
          paths: { '/things': { get: { summary: ALL, description: ALL, responses: {} } } },
        },
        scopes: [{ name: 'things:read', description: ALL.slice(0, 500) }],
        routes: [{ method: 'GET', pathPattern: '/things', requiredScopes: ['things:read'] }],
        plans: [{ name: 'free', description: ALL.slice(0, 500), ratePerSecond: 5 }],
        approval: { sandbox: 'auto', production: 'manual' },
      });
      seeded.apiSlugs.push(slug);
    }
    // The approver of the cast's API decides on a request carrying every payload.
    const subscription = await asAdmin(
      'POST',
      `/v1/applications/${seeded.appIds[0]}/subscriptions`,
      { apiSlug: cast.apiSlug, planName: 'free', environment: 'production', justification: ALL },
      hostileDev.token,
    );
    seeded.subscriptionId = subscription.id as string;
    await asAdmin(
      'POST',
      `/v1/subscriptions/${seeded.subscriptionId}/reject`,
      { comment: ALL },
      cast.apThis.token,
    );
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
    await audit?.stop();
    await identity?.stop();
    await fixtures.close();
  });

  interface Visit {
    as: 'hostileDev' | 'apThis' | 'admin';
    path: () => string;
  }

  const visits: Visit[] = [
    { as: 'hostileDev', path: () => '/dashboard' },
    { as: 'hostileDev', path: () => '/teams' },
    { as: 'hostileDev', path: () => `/teams/${seeded.teamId}` },
    { as: 'hostileDev', path: () => '/apps' },
    ...PAYLOADS.map((_, index): Visit => ({
      as: 'hostileDev',
      path: () => `/apps/${seeded.appIds[index]}`,
    })),
    { as: 'hostileDev', path: () => '/catalog' },
    ...PAYLOADS.map((_, index): Visit => ({
      as: 'hostileDev',
      path: () => `/catalog/${seeded.apiSlugs[index]}`,
    })),
    { as: 'hostileDev', path: () => `/subscriptions/${seeded.subscriptionId}` },
    { as: 'hostileDev', path: () => '/notifications' },
    { as: 'apThis', path: () => '/approvals?status=rejected' },
    { as: 'apThis', path: () => `/subscriptions/${seeded.subscriptionId}` },
    { as: 'apThis', path: () => `/owner/apis/${cast.apiSlug}` },
    { as: 'admin', path: () => '/admin/users' },
    { as: 'admin', path: () => '/admin/apis' },
    { as: 'admin', path: () => `/owner/apis/${seeded.apiSlugs[0]}` },
  ];

  async function personPage(token: string): Promise<{ page: Page; dialogs: string[] }> {
    const context = await browser.newContext({ baseURL: portal.url });
    await context.addCookies([{ name: 'pcl_session', value: token, url: portal.url }]);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return { page, dialogs };
  }

  /** What a page holds that a payload could have turned into: run it after the page loaded. */
  const PROBE = `(() => ({
    marker: window.__xss ?? null,
    injected: Array.from(document.querySelectorAll(${JSON.stringify(INJECTED_ELEMENTS)})).map((e) => e.outerHTML.slice(0, 120)),
    scripts: Array.from(document.scripts).filter((s) => s.text.includes('__xss') && !s.text.includes('self.__next')).length,
    text: document.body.innerText,
  }))()`;
  interface Probed {
    marker: unknown;
    injected: string[];
    scripts: number;
    text: string;
  }

  it('renders every payload as text on every page that shows it', async () => {
    const failures: string[] = [];
    let payloadsShown = 0;
    for (const visit of visits) {
      const token = visit.as === 'hostileDev' ? hostileDev.token : cast[visit.as].token;
      const { page, dialogs } = await personPage(token);
      const response = await page.goto(visit.path(), { waitUntil: 'load' });
      const csp = response?.headers()['content-security-policy'] ?? '';
      // Let anything injected run: event handlers fire on load, srcdoc frames load async.
      await page.waitForTimeout(300);
      const found = (await page.evaluate(PROBE)) as Probed;
      const shown = PAYLOADS.filter((payload) => found.text.includes(payload.slice(0, 40))).length;
      payloadsShown += shown;
      const where = `${visit.as} ${visit.path()}`;
      if (response?.status() !== 200) failures.push(`${where}: status ${response?.status()}`);
      if (dialogs.length > 0) failures.push(`${where}: dialog ${dialogs.join(', ')}`);
      if (found.marker !== null)
        failures.push(`${where}: payload ran (marker ${String(found.marker)})`);
      if (found.injected.length > 0)
        failures.push(`${where}: elements ${found.injected.join(' ')}`);
      if (found.scripts > 0) failures.push(`${where}: a script element carries a payload`);
      if (!/script-src [^;]*'nonce-/.test(csp) || csp.includes("'unsafe-inline'")) {
        failures.push(`${where}: CSP would not block inline script: ${csp}`);
      }
      if (shown === 0) failures.push(`${where}: no payload shown as text, so nothing was tested`);
      await page.context().close();
    }
    recordFinding({
      kind: 'hostile',
      name: 'Portal: stored XSS payloads in every free-text field',
      inputsTried: payloadsShown,
      gotThrough: failures.filter((failure) => !failure.includes('nothing was tested')).length,
      detail: `${PAYLOADS.length} payloads (script, img onerror, javascript: URL, SVG, srcdoc, template/markdown) in names, descriptions, justification, comment, display name, OpenAPI document; ${visits.length} pages in Chromium`,
    });
    // Positive control: had a payload become markup, the probe would have seen it.
    const { page } = await personPage(hostileDev.token);
    await page.goto(`/apps/${seeded.appIds[1]}`, { waitUntil: 'load' });
    await page.evaluate(
      `document.body.insertAdjacentHTML('beforeend', ${JSON.stringify(PAYLOADS[1])})`,
    );
    const control = (await page.evaluate(PROBE)) as Probed;
    await page.context().close();
    expect(control.injected.length, 'the probe must see an injected element').toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(payloadsShown).toBeGreaterThan(visits.length);
  }, 180_000);

  it('refuses a form submitted without its CSRF token or with another session’s', async () => {
    const attempts: { name: string; prepare: (page: Page) => Promise<void> }[] = [
      {
        name: 'token removed',
        prepare: async (page) => {
          await page.evaluate(
            `document.querySelector('form[aria-label="Create a team"] input[name="csrf"]').remove()`,
          );
        },
      },
      {
        name: 'token from another session',
        prepare: async (page) => {
          const other = await personPage(cast.dev.token);
          await other.page.goto('/teams');
          const foreign = await other.page
            .locator('form[aria-label="Create a team"] input[name="csrf"]')
            .inputValue();
          await other.page.context().close();
          await page.evaluate(
            `document.querySelector('form[aria-label="Create a team"] input[name="csrf"]').value = ${JSON.stringify(foreign)}`,
          );
        },
      },
    ];
    let created = 0;
    const failures: string[] = [];
    for (const attempt of attempts) {
      const { page } = await personPage(hostileDev.token);
      await page.goto('/teams');
      const name = `csrf ${attempt.name} ${randomBytes(3).toString('hex')}`;
      const form = page.getByRole('form', { name: 'Create a team' });
      await form.getByLabel('Team name').fill(name);
      await attempt.prepare(page);
      await form.getByRole('button', { name: 'Create team' }).click();
      const refusal = await form
        .getByRole('alert')
        .getByText('This form has expired')
        .waitFor({ timeout: 10_000 })
        .then(() => true)
        .catch(() => false);
      const teams = await callJson(`${identity.url}/v1/teams`, { token: hostileDev.token });
      if (teams.text.includes(name)) {
        created += 1;
        failures.push(`${attempt.name}: the team was created`);
      }
      if (!refusal) failures.push(`${attempt.name}: no refusal shown`);
      await page.context().close();
    }
    // Control: the same form with its own token from the portal's origin works.
    const { page } = await personPage(hostileDev.token);
    await page.goto('/teams');
    const controlName = `csrf control ${randomBytes(3).toString('hex')}`;
    const form = page.getByRole('form', { name: 'Create a team' });
    await form.getByLabel('Team name').fill(controlName);
    await form.getByRole('button', { name: 'Create team' }).click();
    await expect
      .poll(
        async () => (await callJson(`${identity.url}/v1/teams`, { token: hostileDev.token })).text,
        {
          timeout: 15_000,
        },
      )
      .toContain(controlName);
    await page.context().close();
    recordFinding({
      kind: 'hostile',
      name: 'Portal: CSRF in Chromium (token removed, another session’s token)',
      inputsTried: attempts.length,
      gotThrough: created,
      detail:
        'a real form in Chromium; refused with the form-expired message and nothing stored; the untampered form works',
    });
    expect(failures).toEqual([]);
  }, 90_000);

  /**
   * The form post Chromium sends for "Create a team" (server action), captured and aborted before
   * it reaches the portal, with the session's cookies.
   */
  async function capturedTeamPost(name: string) {
    const { page } = await personPage(hostileDev.token);
    await page.goto('/teams');
    const form = page.getByRole('form', { name: 'Create a team' });
    await form.getByLabel('Team name').fill(name);
    const captured = new Promise<{ url: string; headers: Record<string, string>; body: Buffer }>(
      (done) => {
        void page.route('**/*', async (route) => {
          const request = route.request();
          if (request.method() !== 'POST') return route.continue();
          done({
            url: request.url(),
            headers: await request.allHeaders(),
            body: request.postDataBuffer() ?? Buffer.alloc(0),
          });
          return route.abort();
        });
      },
    );
    await form.getByRole('button', { name: 'Create team' }).click();
    const post = await captured;
    const cookies = await page.context().cookies(portal.url);
    await page.context().close();
    const headers = Object.fromEntries(
      Object.entries(post.headers).filter(([header]) => !header.startsWith(':')),
    );
    headers.cookie = cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
    return { ...post, headers };
  }

  it('refuses the real form post replayed with a foreign or missing Origin', async () => {
    // Playwright cannot rewrite Origin or Sec-Fetch-Site on a browser request, so the post is
    // replayed from here with the right token and cookies, as a leaked token would allow.
    const variants: { name: string; change: (headers: Record<string, string>) => void }[] = [
      {
        name: 'foreign Origin, Sec-Fetch-Site cross-site',
        change: (headers) => {
          headers.origin = 'https://evil.example';
          headers['sec-fetch-site'] = 'cross-site';
        },
      },
      {
        name: 'foreign Origin, no Sec-Fetch-Site (older browser)',
        change: (headers) => {
          headers.origin = 'https://evil.example';
          delete headers['sec-fetch-site'];
        },
      },
      {
        name: 'same host, Sec-Fetch-Site same-site (a sibling subdomain)',
        change: (headers) => {
          headers['sec-fetch-site'] = 'same-site';
        },
      },
      {
        name: 'no Origin (not a browser form post)',
        change: (headers) => {
          delete headers.origin;
          delete headers['sec-fetch-site'];
        },
      },
    ];
    const replay = async (post: Awaited<ReturnType<typeof capturedTeamPost>>) => {
      const response = await request(post.url, {
        method: 'POST',
        headers: post.headers,
        body: post.body,
      });
      await response.body.text();
      return response.statusCode;
    };
    const teamsText = async () =>
      (await callJson(`${identity.url}/v1/teams`, { token: hostileDev.token })).text;
    const failures: string[] = [];
    for (const variant of variants) {
      const name = `csrf replay ${randomBytes(4).toString('hex')}`;
      const post = await capturedTeamPost(name);
      variant.change(post.headers);
      const status = await replay(post);
      if ((await teamsText()).includes(name)) {
        failures.push(`${variant.name}: the team was created (status ${status})`);
      }
    }
    // Control: the same capture replayed unchanged creates the team, so the replay is faithful
    // and the refusals above come from the origin checks.
    const controlName = `csrf replay control ${randomBytes(4).toString('hex')}`;
    const controlStatus = await replay(await capturedTeamPost(controlName));
    expect(controlStatus).toBeLessThan(500);
    await expect.poll(teamsText, { timeout: 15_000 }).toContain(controlName);
    recordFinding({
      kind: 'hostile',
      name: 'Portal: CSRF by origin (foreign, same-site, missing Origin) with a valid token',
      inputsTried: variants.length,
      gotThrough: failures.length,
      detail:
        'the form post Chromium sends, replayed with its own token and cookies but other Origin / Sec-Fetch-Site; the unchanged replay creates the team',
    });
    expect(failures).toEqual([]);
  }, 120_000);
});
