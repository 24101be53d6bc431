import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, uniqueSuffix, type SeededApi, type SeededApp } from '../support/fixtures.js';
import { startAuditProcess, startIdentityProcess } from '../support/stack.js';
import { checkPage, launchBrowser, newPerson, type Person } from './support/browser.js';
import { callIdentity } from './support/identity-api.js';
import { startPortalProcess } from './support/portal-process.js';
import { Authenticator } from './support/totp.js';

/**
 * The portal's account and access-management pages in a real browser against the real identity
 * and audit services: two-factor enrolment, key-based credentials, and what approvers, team
 * owners, security and admins change after the first approval.
 */
/** identity's development default for the portal (apps/identity/src/config.ts). */
const DEV_PORTAL_TOKEN = 'pcl_svc_dev_portal_token_change_me_0000000000';

describe('portal: account security and access management', () => {
  const fixtures = new Fixtures();
  const suffix = uniqueSuffix();
  const password = `correct horse ${randomBytes(6).toString('hex')}`;
  const developer = { name: `Mia Member ${suffix}`, email: `mia-${suffix}@example.test` };
  const colleague = { name: `Theo Teammate ${suffix}`, email: `theo-${suffix}@example.test` };
  const approver = { name: `Ari Approver ${suffix}`, email: `ari-${suffix}@example.test` };
  const admin = { name: `Ada Admin ${suffix}`, email: `ada-${suffix}@example.test` };
  const security = { name: `Sam Security ${suffix}`, email: `sam-${suffix}@example.test` };
  let subscriptionId: string;
  let identity: AppProcess;
  let audit: AppProcess;
  let portal: AppProcess;
  let browser: Browser;
  let api: SeededApi;
  let app: SeededApp;

  const api_ = (path: string, token: string | null, init: RequestInit = {}) =>
    callIdentity(identity, path, token, init);

  async function signUpThroughApi(person: { name: string; email: string }): Promise<string> {
    const created = await api_('/v1/users', null, {
      method: 'POST',
      body: JSON.stringify({ email: person.email, password, displayName: person.name }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return (created.body as { id: string }).id;
  }

  async function sessionThroughApi(email: string): Promise<string> {
    const session = await api_('/v1/sessions', null, {
      method: 'POST',
      body: JSON.stringify({ email, password }),
    });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    return (session.body as { token: string }).token;
  }

  async function signIn(email: string): Promise<Person> {
    const person = await newPerson(browser, portal.url);
    await person.page.goto('/sign-in');
    await person.page.getByLabel('Email').fill(email);
    await person.page.getByLabel('Password').fill(password);
    await person.page.getByRole('button', { name: 'Sign in' }).click();
    return person;
  }

  async function me(person: Person): Promise<{ mfa?: { totpEnabled: boolean } }> {
    const token =
      (await person.context.cookies()).find((cookie) => cookie.name === 'pcl_session')?.value ?? '';
    return (await api_('/v1/me', token)).body as { mfa?: { totpEnabled: boolean } };
  }

  beforeAll(async () => {
    // The portal stands behind one proxy (the tests' browsers play it) and identity believes the
    // portal's X-Forwarded-For: sessions record the visitor's address and browser.
    identity = await startIdentityProcess('portal-access-identity', {
      TRUSTED_PROXIES: '127.0.0.1,::1',
    });
    audit = await startAuditProcess('portal-access-audit', { IDENTITY_URL: identity.url });
    // identity's development service token for the portal: visitors may browse the catalog.
    portal = await startPortalProcess({
      IDENTITY_URL: identity.url,
      AUDIT_URL: audit.url,
      PORTAL_SERVICE_TOKEN: DEV_PORTAL_TOKEN,
      PORTAL_TRUSTED_PROXY_HOPS: '1',
    });
    api = await fixtures.api({
      upstreamUrl: 'http://127.0.0.1:9/unused',
      authMethods: ['oauth2_client_credentials'],
      slugPrefix: 'access',
    });
    // The developer's own team and application, approved for production already.
    const userId = await signUpThroughApi(developer);
    const token = await sessionThroughApi(developer.email);
    const team = await api_('/v1/teams', token, {
      method: 'POST',
      body: JSON.stringify({ name: `Mia's team ${suffix}` }),
    });
    const teamId = (team.body as { id: string }).id;
    const created = await api_(`/v1/teams/${teamId}/applications`, token, {
      method: 'POST',
      body: JSON.stringify({ name: `Ledger ${suffix}` }),
    });
    app = { id: (created.body as { id: string }).id, teamId, userId };
    subscriptionId = await fixtures.subscribe(app, api, {
      environment: 'production',
      scopes: ['items:read'],
    });
    // A colleague in Mia's team; an approver in the API's owning team; an admin; security.
    await signUpThroughApi(colleague);
    const added = await api_(`/v1/teams/${teamId}/members`, token, {
      method: 'POST',
      body: JSON.stringify({ email: colleague.email, role: 'member' }),
    });
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300);
    const approverId = await signUpThroughApi(approver);
    await fixtures.prisma.teamMember.create({
      data: { teamId: api.teamId, userId: approverId, role: 'member' },
    });
    const adminId = await signUpThroughApi(admin);
    await fixtures.prisma.roleAssignment.create({ data: { userId: adminId, role: 'admin' } });
    const securityId = await signUpThroughApi(security);
    await fixtures.prisma.roleAssignment.create({ data: { userId: securityId, role: 'security' } });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([portal?.stop(), audit?.stop()]);
    await identity?.stop();
    await fixtures.close();
  });

  it('enrols TOTP with a QR code, asks for it at sign-in, and turns it off', async () => {
    const mia = await signIn(developer.email);
    await mia.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await mia.page.getByRole('link', { name: 'Turn on two-factor sign-in' }).click();
    await mia.page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    await checkPage(mia, '20-account');

    await mia.page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await mia.page
      .getByRole('img', { name: 'QR code that adds Portcullis to an authenticator app' })
      .waitFor();
    const secret = (await mia.page.getByTestId('totp-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(await mia.page.getByTestId('totp-uri').textContent()).toContain(`secret=${secret}`);
    await checkPage(mia, '21-totp-setup');
    const authenticator = new Authenticator(secret);

    const confirm = mia.page.getByRole('form', { name: 'Confirm two-factor sign-in' });
    await confirm.getByLabel('6-digit code').fill('12345');
    await confirm.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await confirm.getByText('Enter the 6-digit code from your authenticator app').waitFor();
    // A session alone does not turn it on: identity wants the password too.
    await confirm.getByText('Enter your current password: it proves the change is yours').waitFor();
    // (identity checks the password first: the code never gets looked at.)
    await confirm.getByLabel('6-digit code').fill(authenticator.wrongCode());
    await confirm.getByLabel('Current password').fill('not my password at all');
    await confirm.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await confirm.getByText('This is not your current password').waitFor();
    await expect(confirm.getByLabel('Current password').getAttribute('aria-invalid')).resolves.toBe(
      'true',
    );
    await checkPage(mia, '21b-totp-wrong-password');
    await confirm.getByLabel('6-digit code').fill(authenticator.wrongCode());
    await confirm.getByLabel('Current password').fill(password);
    await confirm.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await confirm.getByRole('alert').getByText('The code is wrong or was used already.').waitFor();
    expect((await me(mia)).mfa?.totpEnabled).toBe(false);

    await confirm.getByLabel('6-digit code').fill(await authenticator.nextCode());
    await confirm.getByLabel('Current password').fill(password);
    await confirm.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await mia.page.getByText('Two-factor sign-in is on.').waitFor();
    expect((await me(mia)).mfa?.totpEnabled).toBe(true);
    // identity's recovery codes, shown this once.
    const recoveryCodes = (
      await mia.page.getByTestId('recovery-codes').getByRole('listitem').allTextContents()
    ).map((code) => code.trim());
    expect(recoveryCodes).toHaveLength(10);
    expect(recoveryCodes[0]).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    await checkPage(mia, '22-totp-on');
    await mia.page.getByRole('button', { name: 'Sign out' }).click();
    await mia.page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    await mia.context.close();

    // The next sign-in asks for a second factor before anything else: a recovery code will do.
    const again = await signIn(developer.email);
    await again.page.getByRole('heading', { name: 'Two-factor verification' }).waitFor();
    await checkPage(again, '22b-sign-in-mfa');
    // Signing in afresh from that step ends the session still waiting for its code at identity.
    const sessions = (revoked: boolean) =>
      fixtures.prisma.session.count({
        where: {
          userId: app.userId,
          mfaVerified: false,
          revokedAt: revoked ? { not: null } : null,
        },
      });
    const [openBefore, revokedBefore] = [await sessions(false), await sessions(true)];
    await again.page.goto('/sign-in');
    await again.page.getByLabel('Email').fill(developer.email);
    await again.page.getByLabel('Password').fill(password);
    await again.page.getByRole('button', { name: 'Sign in' }).click();
    await again.page.getByRole('heading', { name: 'Two-factor verification' }).waitFor();
    expect(await sessions(false)).toBe(openBefore);
    expect(await sessions(true)).toBe(revokedBefore + 1);
    await again.page.getByText('Lost your phone? Use a recovery code').click();
    await again.page.getByLabel('Recovery code').fill('aaaa-bbbb-cccc-dddd');
    await again.page.getByRole('button', { name: 'Verify' }).click();
    await again.page
      .getByRole('alert')
      .getByText('The recovery code is wrong or was used already.')
      .waitFor();
    // The disclosure may have stayed open after the refused attempt.
    if (!(await again.page.getByLabel('Recovery code').isVisible()))
      await again.page.getByText('Lost your phone? Use a recovery code').click();
    await again.page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await again.page.getByRole('button', { name: 'Verify' }).click();
    await again.page.getByRole('button', { name: 'Sign out' }).waitFor();

    await again.page.goto('/account');
    await again.page.getByText('9 unused recovery codes left.').waitFor();
    const renew = again.page.getByRole('form', { name: 'Replace recovery codes' });
    await renew.getByLabel('Current 6-digit code').fill(await authenticator.nextCode());
    await renew.getByRole('button', { name: 'Replace recovery codes' }).click();
    await again.page.getByText('New recovery codes. The earlier ones no longer work.').waitFor();
    const renewed = (
      await again.page.getByTestId('recovery-codes').getByRole('listitem').allTextContents()
    ).map((code) => code.trim());
    expect(renewed).toHaveLength(10);
    expect(renewed.filter((code) => recoveryCodes.includes(code))).toEqual([]);

    await again.page.goto('/account');
    const disable = again.page.getByRole('form', { name: 'Turn off two-factor sign-in' });
    await disable.getByLabel('Current 6-digit code').fill(authenticator.wrongCode());
    await disable.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await disable.getByRole('alert').getByText('The code is wrong or was used already.').waitFor();
    // A lost phone: the form also takes a recovery code (a used-up one is refused as such).
    await disable.getByLabel('Current 6-digit code').fill('');
    if (!(await disable.getByLabel('Recovery code').isVisible()))
      await disable.getByText('Lost your phone? Use a recovery code').click();
    await disable.getByLabel('Recovery code').fill(recoveryCodes[1]!);
    await disable.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await disable
      .getByRole('alert')
      .getByText('The recovery code is wrong or was used already.')
      .waitFor();
    await disable.getByLabel('Recovery code').fill('');
    await disable.getByLabel('Current 6-digit code').fill(await authenticator.nextCode());
    await disable.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await again.page.getByText('Two-factor sign-in is off.').waitFor();
    expect((await me(again)).mfa?.totpEnabled).toBe(false);
    await again.page.getByRole('button', { name: 'Set up an authenticator app' }).waitFor();
    await again.context.close();
  }, 150_000);

  it('creates a private_key_jwt credential from a pasted PEM public key, and it gets tokens', async () => {
    const mia = await signIn(developer.email);
    await mia.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await mia.page.goto(`/apps/${app.id}`);
    const form = mia.page.getByRole('form', { name: 'Create a credential' });
    // The key field shows only for the kind that takes it.
    await expect(form.getByRole('textbox', { name: 'Public key' }).isVisible()).resolves.toBe(
      false,
    );
    await form.getByRole('radio', { name: /private key \(private_key_jwt\)/ }).check();
    await form.getByRole('textbox', { name: 'Public key' }).waitFor();

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // A private key is refused before it reaches identity.
    await form
      .getByRole('textbox', { name: 'Public key' })
      .fill(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    await form.getByRole('button', { name: 'Create credential' }).click();
    await form.getByText(/That is a private key/).waitFor();
    await expect(
      form.getByRole('textbox', { name: 'Public key' }).getAttribute('aria-invalid'),
    ).resolves.toBe('true');

    await form
      .getByRole('textbox', { name: 'Public key' })
      .fill(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    await form.getByRole('button', { name: 'Create credential' }).click();
    await form.getByText('Created. Your service signs its token requests').waitFor();
    const clientId = (await form.getByTestId('new-client-id').textContent())?.trim() ?? '';
    expect(clientId).not.toBe('');
    await checkPage(mia, '23-credential-private-key-jwt');

    // The registered key works at the token endpoint (RFC 7523 client assertion).
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${identity.url}/oauth2/token`)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    const token = await fetch(`${identity.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        resource: `urn:portcullis:api:${api.slug}`,
      }),
    });
    expect(token.status, await token.clone().text()).toBe(200);
    expect(((await token.json()) as { access_token: string }).access_token).toMatch(/^ey/);

    // Rotation brings the new public key; the same client id then signs with the new key.
    const rotate = mia.page.getByRole('form', { name: `Rotate credential ${clientId}` });
    await rotate.getByRole('button', { name: 'Rotate' }).click();
    await rotate
      .getByText('Paste the public key your service signs its token requests with')
      .waitFor();
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await rotate
      .getByRole('textbox', { name: 'New public key' })
      .fill(next.publicKey.export({ format: 'pem', type: 'spki' }).toString());
    await rotate.getByRole('button', { name: 'Rotate' }).click();
    await mia.page.getByText('Rotated. The new key works now').waitFor();
    const rotatedAssertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${identity.url}/oauth2/token`)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(next.privateKey);
    const rotatedToken = await fetch(`${identity.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: rotatedAssertion,
        resource: `urn:portcullis:api:${api.slug}`,
      }),
    });
    expect(rotatedToken.status, await rotatedToken.clone().text()).toBe(200);
    await mia.context.close();
  });

  it('creates a mutual-TLS credential from a certificate fingerprint, explaining bad input', async () => {
    const mia = await signIn(developer.email);
    await mia.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await mia.page.goto(`/apps/${app.id}`);
    const form = mia.page.getByRole('form', { name: 'Create a credential' });
    await form.getByRole('radio', { name: /client certificate \(mutual TLS\)/ }).check();
    await form.getByRole('button', { name: 'Create credential' }).click();
    await form.getByText('Paste the client certificate or its SHA-256 thumbprint').waitFor();

    // identity's own check (a PEM that is no certificate) lands on the same field.
    await form
      .getByRole('textbox', { name: 'Client certificate' })
      .fill('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----');
    await form.getByRole('button', { name: 'Create credential' }).click();
    await form.getByText('is not a readable certificate').waitFor();
    await expect(
      form.getByRole('textbox', { name: 'Client certificate' }).getAttribute('aria-invalid'),
    ).resolves.toBe('true');

    const fingerprint = randomBytes(32);
    const hex = [...fingerprint].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
    await form
      .getByRole('textbox', { name: 'Client certificate' })
      .fill(`sha256 Fingerprint=${hex.toUpperCase()}`);
    await form.getByRole('button', { name: 'Create credential' }).click();
    await form
      .getByText('Created. Your service authenticates with its client certificate')
      .waitFor();
    await mia.page.getByText(fingerprint.toString('base64url')).waitFor();
    await checkPage(mia, '24-credential-mtls');
    await mia.context.close();
  });

  async function subscriptionStatus(): Promise<string | undefined> {
    return (await fixtures.prisma.subscription.findUnique({ where: { id: subscriptionId } }))
      ?.status;
  }

  it('lets an approver suspend, resume and revoke the access, saying why', async () => {
    const ari = await signIn(approver.email);
    await ari.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await ari.page.goto(`/subscriptions/${subscriptionId}`);
    const suspend = ari.page.getByRole('form', { name: 'Suspend access' });
    await suspend.getByRole('button', { name: 'Suspend' }).click();
    await suspend.getByText('Say why, so the developer knows what to change').waitFor();
    await suspend.getByLabel('Reason for suspending').fill(`Unusual traffic ${suffix}`);
    await suspend.getByRole('button', { name: 'Suspend' }).click();
    await ari.page.getByText('Suspended. The gateway refuses its calls').waitFor();
    expect(await subscriptionStatus()).toBe('suspended');
    await ari.page.getByText(`Unusual traffic ${suffix}`).first().waitFor();
    await checkPage(ari, '25-subscription-suspended');

    await ari.page
      .getByRole('form', { name: 'Resume access' })
      .getByRole('button', { name: 'Resume' })
      .click();
    await ari.page.getByText('Resumed. Calls are accepted again.').waitFor();
    expect(await subscriptionStatus()).toBe('approved');

    const revoke = ari.page.getByRole('form', { name: 'Revoke access' });
    await revoke.getByLabel('Reason for revoking').fill(`Contract ended ${suffix}`);
    await revoke.getByRole('button', { name: 'Revoke' }).click();
    await ari.page.getByText('Revoked. The gateway refuses its calls').waitFor();
    expect(await subscriptionStatus()).toBe('revoked');
    // Nothing is left to manage on a revoked subscription.
    await expect(ari.page.getByRole('form', { name: 'Revoke access' }).count()).resolves.toBe(0);
    await ari.context.close();
  });

  it('lets the application’s team withdraw its own access, and only that', async () => {
    const sandboxId = await fixtures.subscribe(app, api, { environment: 'sandbox' });
    const mia = await signIn(developer.email);
    await mia.page.getByRole('button', { name: 'Sign out' }).waitFor();
    // An approver's suspension is not the team's to withdraw (identity refuses it): no form.
    await fixtures.prisma.subscription.update({
      where: { id: sandboxId },
      data: { status: 'suspended' },
    });
    await mia.page.goto(`/subscriptions/${sandboxId}`);
    await mia.page.getByText('An approver suspended access').waitFor();
    await expect(mia.page.getByRole('form', { name: 'Withdraw access' }).count()).resolves.toBe(0);
    await fixtures.prisma.subscription.update({
      where: { id: sandboxId },
      data: { status: 'approved' },
    });
    await mia.page.goto(`/subscriptions/${sandboxId}`);
    // The team may withdraw; suspending is for the API's approvers.
    await expect(mia.page.getByRole('form', { name: 'Suspend access' }).count()).resolves.toBe(0);
    const withdraw = mia.page.getByRole('form', { name: 'Withdraw access' });
    await withdraw.getByLabel('Why you no longer need it').fill(`Moved to production ${suffix}`);
    await withdraw.getByRole('button', { name: 'Withdraw access' }).click();
    await mia.page.getByText('Revoked. The gateway refuses its calls').waitFor();
    expect(
      (await fixtures.prisma.subscription.findUnique({ where: { id: sandboxId } }))?.status,
    ).toBe('revoked');
    await mia.context.close();
  });

  it('lets a team owner remove a member', async () => {
    const mia = await signIn(developer.email);
    await mia.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await mia.page.goto(`/teams/${app.teamId}`);
    await mia.page.getByRole('cell', { name: colleague.email, exact: true }).waitFor();
    await checkPage(mia, '26-team-members');
    await mia.page
      .getByRole('form', { name: `Remove ${colleague.email} from the team` })
      .getByRole('button', { name: 'Remove' })
      .click();
    await mia.page.getByText('Member removed.').waitFor();
    await expect(
      mia.page.getByRole('cell', { name: colleague.email, exact: true }).count(),
    ).resolves.toBe(0);
    const members = await fixtures.prisma.teamMember.count({
      where: { teamId: app.teamId, user: { email: colleague.email } },
    });
    expect(members).toBe(0);
    // The last owner cannot leave: identity says why, the page shows it.
    await mia.page
      .getByRole('form', { name: 'Leave the team' })
      .getByRole('button', { name: 'Leave team' })
      .click();
    await mia.page.getByRole('alert').getByText('A team keeps at least one owner.').waitFor();
    await mia.context.close();
  });

  it('lets an admin edit an API’s description, approval modes and plans', async () => {
    const ada = await signIn(admin.email);
    await ada.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await ada.page.goto('/admin/apis');
    await ada.page.getByRole('link', { name: `Edit E2E ${api.slug}` }).click();
    await ada.page.getByRole('heading', { name: `Edit E2E ${api.slug}`, level: 1 }).waitFor();
    await checkPage(ada, '27-api-edit');
    const form = ada.page.getByRole('form', { name: `Edit E2E ${api.slug}` });
    await form.getByLabel('Description', { exact: false }).first().fill(`Ledger entries ${suffix}`);
    await form
      .getByRole('group', { name: 'Production access' })
      .getByRole('radio', { name: /Automatic/ })
      .check();
    const standard = form.getByRole('group', { name: 'Plan “standard”' });
    await standard.getByLabel('Requests per second').fill('0');
    const gold = form.getByRole('group', { name: 'Add a plan' });
    await gold.getByLabel('Name').fill('gold');
    await gold.getByLabel('Requests per second').fill('50');
    await gold.getByLabel('Approval').selectOption({ label: 'Always manual' });
    await form.getByRole('button', { name: 'Save changes' }).click();
    await standard.getByText('Use a number above 0').waitFor();
    await standard.getByLabel('Requests per second').fill('250');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Saved.').waitFor();
    const saved = await fixtures.prisma.api.findUnique({
      where: { slug: api.slug },
      include: { plans: true },
    });
    expect(saved?.description).toBe(`Ledger entries ${suffix}`);
    expect(saved?.approvalModeProduction).toBe('auto');
    expect(saved?.plans.find((plan) => plan.name === 'standard')?.ratePerSecond).toBe(250);
    expect(saved?.plans.find((plan) => plan.name === 'gold')?.approvalMode).toBe('manual');

    // A plan with subscriptions stays; identity's reason is shown.
    await ada.page.reload();
    await form
      .getByRole('group', { name: 'Plan “standard”' })
      .getByLabel('Remove this plan')
      .check();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form
      .getByRole('alert')
      .getByText(/Plan "standard" has subscriptions/)
      .waitFor();
    expect(await fixtures.prisma.plan.count({ where: { apiId: api.id, name: 'standard' } })).toBe(
      1,
    );
    await ada.context.close();
  });

  it('lets an admin disable an account, which ends its sessions, and enable it again', async () => {
    const leaver = { name: `Lee Leaver ${suffix}`, email: `lee-${suffix}@example.test` };
    const leaverId = await signUpThroughApi(leaver);
    const leaverSession = await sessionThroughApi(leaver.email);
    const ada = await signIn(admin.email);
    await ada.page.getByRole('button', { name: 'Sign out' }).waitFor();

    // Admins never get a form to disable their own account.
    await ada.page.goto(`/admin/users?q=${encodeURIComponent(admin.email)}`);
    await ada.page.getByRole('heading', { name: admin.name }).waitFor();
    await expect(ada.page.getByRole('button', { name: 'Disable account' }).count()).resolves.toBe(
      0,
    );

    await ada.page.goto(`/admin/users?q=${encodeURIComponent(leaver.email)}`);
    const entry = ada.page.getByRole('list', { name: 'Users' }).getByRole('listitem').first();
    await entry.getByText('Active', { exact: true }).waitFor();
    const disable = ada.page.getByRole('form', { name: `Disable the account of ${leaver.email}` });
    await disable.getByText(/Disabling ends every session of/).waitFor();
    // Nothing happens until the admin confirms.
    await disable.getByRole('button', { name: 'Disable account' }).click();
    await disable.getByText('Tick the box to confirm you want to disable this account').waitFor();
    expect((await fixtures.prisma.user.findUniqueOrThrow({ where: { id: leaverId } })).status).toBe(
      'active',
    );
    await disable
      .getByRole('checkbox', { name: `Yes, disable ${leaver.email} and sign them out everywhere` })
      .check();
    await disable.getByRole('button', { name: 'Disable account' }).click();
    await ada.page
      .getByText(`Disabled ${leaver.email}. 1 session was ended; they cannot sign in`)
      .waitFor();
    await entry.getByText('Disabled', { exact: true }).waitFor();
    await entry.getByText('Disabled: cannot sign in until an admin enables the account.').waitFor();
    await checkPage(ada, '27b-user-disabled');
    expect((await api_('/v1/me', leaverSession)).status).toBe(401);
    const refused = await api_('/v1/sessions', null, {
      method: 'POST',
      body: JSON.stringify({ email: leaver.email, password }),
    });
    expect(refused.status).toBe(401);

    await ada.page
      .getByRole('form', { name: `Enable the account of ${leaver.email}` })
      .getByRole('button', { name: 'Enable account' })
      .click();
    await ada.page.getByText(`Enabled ${leaver.email}. They can sign in again.`).waitFor();
    await entry.getByText('Active', { exact: true }).waitFor();
    await sessionThroughApi(leaver.email);
    await ada.context.close();
  });

  it('keeps signing in a browser that signed in before while a stranger’s wrong passwords lock out new ones', async () => {
    const owner = { name: `Kim Known ${suffix}`, email: `kim-${suffix}@example.test` };
    await signUpThroughApi(owner);
    const kim = await signIn(owner.email);
    await kim.page.getByRole('button', { name: 'Sign out' }).waitFor();
    const deviceCookie = (await kim.context.cookies()).find(
      (cookie) => cookie.name === 'pcl_device',
    );
    expect(deviceCookie?.value).toMatch(/^pcl_dev_/);
    expect(deviceCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // Signing out ends the session, not the browser's standing as a known device.
    await kim.page.getByRole('button', { name: 'Sign out' }).click();
    await kim.page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    const afterSignOut = await kim.context.cookies();
    expect(afterSignOut.find((cookie) => cookie.name === 'pcl_session')).toBeUndefined();
    expect(afterSignOut.find((cookie) => cookie.name === 'pcl_device')?.value).toBe(
      deviceCookie!.value,
    );

    // A stranger guesses through the API: five wrong passwords lock out every new device.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const guess = await api_('/v1/sessions', null, {
        method: 'POST',
        body: JSON.stringify({ email: owner.email, password: `not the password ${attempt}` }),
      });
      expect(guess.status).toBe(401);
    }
    const stranger = await signIn(owner.email);
    await stranger.page
      .getByRole('alert')
      .getByText(/did not work|locked/)
      .waitFor();
    expect(new URL(stranger.page.url()).pathname).toBe('/sign-in');
    await stranger.context.close();
    // Admins see the lock and what it means.
    const ada = await signIn(admin.email);
    await ada.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await ada.page.goto(`/admin/users?q=${encodeURIComponent(owner.email)}`);
    await ada.page
      .getByText(/^New devices locked out until .+ after wrong passwords; devices this person/)
      .waitFor();
    await ada.context.close();

    // Kim's own browser still gets in with the right password.
    await kim.page.getByLabel('Email').fill(owner.email);
    await kim.page.getByLabel('Password').fill(password);
    await kim.page.getByRole('button', { name: 'Sign in' }).click();
    await kim.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await kim.context.close();
  });

  it('lists the browsers someone signed in from, records where they were, and forgets a lost one, signing it out', async () => {
    const owner = { name: `Lou Laptop ${suffix}`, email: `lou-${suffix}@example.test` };
    const userId = await signUpThroughApi(owner);
    // The laptop comes through the proxy in front of the portal, which names its address.
    const laptop = await newPerson(browser, portal.url);
    await laptop.context.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.7' });
    await laptop.page.goto('/sign-in');
    await laptop.page.getByLabel('Email').fill(owner.email);
    await laptop.page.getByLabel('Password').fill(password);
    await laptop.page.getByRole('button', { name: 'Sign in' }).click();
    await laptop.page.getByRole('button', { name: 'Sign out' }).waitFor();
    const lost = await signIn(owner.email);
    await lost.page.getByRole('button', { name: 'Sign out' }).waitFor();

    // identity recorded the people's browser and the laptop's address, not the portal's.
    const sessions = await fixtures.prisma.session.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
    });
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ ip: '203.0.113.7' });
    expect(sessions[0]!.userAgent).toMatch(/HeadlessChrome/);
    expect(sessions[1]!.ip).not.toBe('203.0.113.7');

    await laptop.page.goto('/account');
    const devices = laptop.page.getByRole('region', { name: 'Signed-in devices' });
    const rows = devices.getByRole('row').filter({ has: laptop.page.getByRole('button') });
    await expect.poll(() => rows.count()).toBe(2);
    const thisBrowser = rows.filter({ hasText: 'This browser' });
    await expect.poll(() => thisBrowser.count()).toBe(1);
    expect(await thisBrowser.textContent()).toContain('Headless Chrome on Linux');
    expect(await thisBrowser.textContent()).toContain('203.0.113.7');
    expect(await devices.textContent()).not.toMatch(/pcl_dev_/);

    // Ending the other sessions signs the other browser out and keeps this one.
    await devices.getByRole('button', { name: 'End all other sessions' }).click();
    await devices.getByText('Ended 1 other session. This one stays signed in.').waitFor();
    await lost.page.goto('/account');
    await lost.page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    await lost.page.getByLabel('Email').fill(owner.email);
    await lost.page.getByLabel('Password').fill(password);
    await lost.page.getByRole('button', { name: 'Sign in' }).click();
    await lost.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await laptop.page.reload();

    // The other browser is lost: forgetting it ends its session there.
    await rows
      .filter({ hasNotText: 'This browser' })
      .getByRole('button', { name: 'Forget' })
      .click();
    await laptop.page
      .getByRole('status')
      .getByText(/Device forgotten/)
      .waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    await lost.page.goto('/account');
    await lost.page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
    await lost.context.close();
    expect(
      await fixtures.prisma.session.count({ where: { userId, revokedAt: { not: null } } }),
    ).toBe(2);

    // Forgetting this browser signs it out too.
    await rows.getByRole('button', { name: 'Forget this browser' }).click();
    await laptop.page.getByText('This browser is forgotten and signed out.').waitFor();
    expect(await fixtures.prisma.signInDevice.count({ where: { userId } })).toBe(0);
    expect(await fixtures.prisma.session.count({ where: { userId, revokedAt: null } })).toBe(0);
    await laptop.context.close();
  });

  it('lets security add a SIEM sink and shows its status', async () => {
    const sam = await signIn(security.email);
    await sam.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await sam.page.goto('/security/siem');
    const form = sam.page.getByRole('form', { name: 'Add a SIEM sink' });
    await form.getByLabel('Name').fill(`SOC hook ${suffix}`);
    await form.getByRole('radio', { name: /Webhook/ }).check();
    await form.getByLabel('URL').fill('not a url');
    await form.getByLabel('Signing secret or HEC token').fill('short');
    await form.getByRole('button', { name: 'Add sink' }).click();
    await form.getByText('Enter an http(s) URL').waitFor();
    await form.getByLabel('URL').fill('http://127.0.0.1:9/unreachable');
    await form.getByLabel('Signing secret or HEC token').fill('short');
    await form.getByRole('button', { name: 'Add sink' }).click();
    await form.getByText('Use 16 characters or more').waitFor();
    await form.getByLabel('Signing secret or HEC token').fill(randomBytes(24).toString('hex'));
    await form.getByRole('checkbox', { name: 'Gateway access decisions' }).check();
    await form.getByRole('button', { name: 'Add sink' }).click();
    await form.getByText(`Sink “SOC hook ${suffix}” added.`).waitFor();
    const row = sam.page.getByRole('row').filter({ hasText: `SOC hook ${suffix}` });
    await row.getByText('Webhook').waitFor();
    await row.getByText(/Healthy|Failing|Misconfigured/).waitFor();
    // The backlog comes with the list (include=status): a number, not "unknown".
    await row.getByText(/^\d+ events? behind$/).waitFor();
    await checkPage(sam, '28-siem-sinks');

    // Pause keeps the sink (and its cursor); delete removes it.
    const name = `SOC hook ${suffix}`;
    await sam.page
      .getByRole('form', { name: `Pause ${name}` })
      .getByRole('button', { name: 'Pause' })
      .click();
    await row.getByText('Disabled').waitFor();
    expect((await fixtures.prisma.siemSink.findFirst({ where: { name } }))?.enabled).toBe(false);
    await sam.page
      .getByRole('form', { name: `Delete ${name}` })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect.poll(() => row.count()).toBe(0);
    expect(await fixtures.prisma.siemSink.count({ where: { name } })).toBe(0);
    await sam.context.close();
  });

  it('lets visitors browse the catalog page by page, without internals, and asks them to sign in to request access', async () => {
    const prefix = `pg${suffix}`;
    const upstreamUrl = `http://127.0.0.1:9/internal-${suffix}`;
    const seeded: SeededApi[] = [];
    for (let index = 0; index < 25; index += 1) {
      seeded.push(await fixtures.api({ upstreamUrl, slugPrefix: prefix }));
    }
    const visitor = await newPerson(browser, portal.url);
    await visitor.page.goto(`/catalog?q=${prefix}`);
    await visitor.page.getByRole('heading', { name: 'API catalog', level: 1 }).waitFor();
    const cards = visitor.page.getByRole('list', { name: 'APIs' }).getByRole('heading');
    await expect(cards.count()).resolves.toBe(24);
    const pages = visitor.page.getByRole('navigation', { name: 'Catalog pages' });
    await pages.getByText('Page 1 of 2 · 25 in all').waitFor();
    await checkPage(visitor, '29-catalog-visitor');

    await pages.getByRole('link', { name: 'Next page' }).click();
    await pages.getByText('Page 2 of 2 · 25 in all').waitFor();
    await expect(cards.count()).resolves.toBe(1);
    expect(visitor.page.url()).toContain(`q=${prefix}`);
    await cards.getByRole('link').click();
    await visitor.page.getByText('Sign in to request access').waitFor();
    // The catalog is sorted by name: the second page holds the last one.
    const last = seeded.map((seededApi) => seededApi.slug).sort()[seeded.length - 1];
    await visitor.page.getByRole('heading', { name: `E2E ${last}`, level: 1 }).waitFor();
    await visitor.page.getByRole('tab', { name: 'curl' }).waitFor();
    expect(await visitor.page.content()).not.toContain(upstreamUrl);
    await checkPage(visitor, '30-api-visitor');
    await visitor.context.close();
  });

  it('fits a phone screen and works from the keyboard alone', async () => {
    // Names come from people: one without a break must wrap in its catalog card, not widen it.
    const longNamed = await fixtures.api({
      upstreamUrl: 'http://127.0.0.1:9/unused',
      slugPrefix: 'long',
    });
    await fixtures.prisma.api.update({
      where: { id: longNamed.id },
      data: { name: `Unbroken${'Name'.repeat(20)}` },
    });
    const mia = await signIn(developer.email);
    await mia.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await mia.page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/account', `/apps/${app.id}`, `/teams/${app.teamId}`, '/catalog']) {
      await mia.page.goto(path);
      await mia.page.locator('main h1').first().waitFor();
      const overflow = Number(
        await mia.page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      // On failure, name the innermost elements that stick out.
      const culprits =
        overflow > 0
          ? await mia.page.evaluate(
              `Array.from(document.querySelectorAll('body *')).filter((element) => { if (element.getBoundingClientRect().right <= window.innerWidth + 1) return false; for (let parent = element.parentElement; parent; parent = parent.parentElement) { if (getComputedStyle(parent).overflowX !== 'visible') return false; } return !Array.from(element.children).some((child) => child.getBoundingClientRect().right > window.innerWidth + 1); }).slice(0, 3).map((element) => element.outerHTML.slice(0, 200))`,
            )
          : [];
      expect(
        overflow,
        `horizontal overflow on ${path}: ${JSON.stringify(culprits)}`,
      ).toBeLessThanOrEqual(0);
    }

    await mia.context.close();
    // The other roles' new pages fit too.
    for (const [person, path] of [
      [admin.email, `/admin/apis/${api.slug}`],
      [security.email, '/security/siem'],
      [approver.email, `/subscriptions/${subscriptionId}`],
    ] as const) {
      const someone = await signIn(person);
      await someone.page.getByRole('button', { name: 'Sign out' }).waitFor();
      await someone.page.setViewportSize({ width: 375, height: 800 });
      await someone.page.goto(path);
      await someone.page.locator('main h1').first().waitFor();
      const overflow = Number(
        await someone.page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
      await someone.context.close();
    }
    const phone = await signIn(developer.email);
    await phone.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await phone.page.setViewportSize({ width: 375, height: 800 });
    await phone.page.goto('/dashboard');
    // The account page is one footer link away on a phone (the header hides the name there).
    await phone.page
      .getByRole('navigation', { name: 'Footer' })
      .getByRole('link', { name: 'Your account' })
      .click();
    // Tab to the enrolment button and press Enter: the QR code and key appear.
    await phone.page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    const focused = () => phone.page.evaluate('document.activeElement?.textContent?.trim() ?? ""');
    for (let presses = 0; presses < 40; presses += 1) {
      if ((await focused()) === 'Set up an authenticator app') break;
      await phone.page.keyboard.press('Tab');
    }
    expect(await focused()).toBe('Set up an authenticator app');
    await phone.page.keyboard.press('Enter');
    await phone.page.getByTestId('totp-secret').waitFor();
    await checkPage(phone, '31-totp-setup-phone');
    await phone.context.close();
  });

  it('has an approver enrol a second factor at sign-in when the platform requires one', async () => {
    const strictIdentity = await startIdentityProcess('portal-access-identity-mfa', {
      IDENTITY_REQUIRE_MFA: 'true',
    });
    const strictPortal = await startPortalProcess({
      IDENTITY_URL: strictIdentity.url,
      AUDIT_URL: audit.url,
    });
    try {
      const rae = { name: `Rae Reviewer ${suffix}`, email: `rae-${suffix}@example.test` };
      const raeId = await signUpThroughApi(rae);
      await fixtures.prisma.roleAssignment.create({ data: { userId: raeId, role: 'approver' } });
      const person = await newPerson(browser, strictPortal.url);
      await person.page.goto('/sign-in');
      await person.page.getByLabel('Email').fill(rae.email);
      await person.page.getByLabel('Password').fill(password);
      await person.page.getByRole('button', { name: 'Sign in' }).click();
      await person.page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
      await checkPage(person, '32-mfa-enrolment-required');
      // Nothing else is reachable before the second factor.
      await person.page.goto('/approvals');
      await person.page.getByRole('heading', { name: 'Sign in to Portcullis' }).waitFor();
      await person.page.goBack();
      await person.page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();

      await person.page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const secret = (await person.page.getByTestId('totp-secret').textContent())?.trim() ?? '';
      const form = person.page.getByRole('form', { name: 'Confirm two-factor sign-in' });
      await form.getByLabel('6-digit code').fill(await new Authenticator(secret).nextCode());
      // The password was just typed to sign in; enrolling asks for it again all the same.
      await form.getByLabel('Current password').fill(password);
      await form.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
      await person.page.getByText('Two-factor sign-in is on.').waitFor();
      await person.page.getByRole('link', { name: 'Continue' }).click();
      await person.page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Approvals', exact: true })
        .waitFor();
      await person.context.close();
    } finally {
      await strictPortal.stop();
      await strictIdentity.stop();
    }
  }, 150_000);
});
