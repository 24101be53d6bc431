import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { Fixtures, uniqueSuffix } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { startIdentityProcess } from '../support/stack.js';
import { checkPage, launchBrowser, newPerson, type Person } from './support/browser.js';
import { callIdentity } from './support/identity-api.js';
import { startPortalProcess } from './support/portal-process.js';

/**
 * Who may sign up, and admin-issued password resets, in a real browser against identity with
 * SIGN_UP_MODE=invitation: the sign-up page asks for an invitation code; an admin invites an
 * address (the code shown once), revokes another; a person signs up with their code; an admin
 * issues a password reset code and the person sets a new password on the public page.
 */
const PUBLIC_PORTAL_URL = 'https://portal.example.test';

describe('portal: invitations and password resets', () => {
  const fixtures = new Fixtures();
  const suffix = uniqueSuffix();
  const password = `correct horse ${randomBytes(6).toString('hex')}`;
  const admin = { name: `Ines Inviter ${suffix}`, email: `ines-${suffix}@example.test` };
  const forgetful = { name: `Rae Reset ${suffix}`, email: `rae-${suffix}@example.test` };
  let identity: AppProcess;
  let portal: AppProcess;
  let browser: Browser;

  const api = (path: string, token: string | null, init: RequestInit = {}) =>
    callIdentity(identity, path, token, init);

  async function signIn(email: string, withPassword = password): Promise<Person> {
    const person = await newPerson(browser, portal.url);
    await person.page.goto('/sign-in');
    await person.page.getByLabel('Email').fill(email);
    await person.page.getByLabel('Password').fill(withPassword);
    await person.page.getByRole('button', { name: 'Sign in' }).click();
    await person.page.getByRole('button', { name: 'Sign out' }).waitFor();
    return person;
  }

  async function fillSignUp(
    person: Person,
    who: { name: string; email: string },
    code: string | null,
  ): Promise<void> {
    const form = person.page.locator('main form');
    await form.getByLabel('Your name').fill(who.name);
    await form.getByLabel('Work email').fill(who.email);
    await form.getByLabel('Password').fill(password);
    if (code !== null) await form.getByLabel('Invitation code').fill(code);
    await form.getByRole('button', { name: 'Create account' }).click();
  }

  /** Invites an address on /admin/invitations and reads the code shown once. */
  async function invite(person: Person, email: string): Promise<string> {
    const form = person.page.getByRole('form', { name: 'Invite someone to sign up' });
    await form.getByLabel('Email address').fill(email);
    await form.getByRole('button', { name: 'Invite' }).click();
    await form.getByRole('heading', { name: `Invitation code for ${email}` }).waitFor();
    const code = (await form.getByTestId('one-time-code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^pcl_inv_/);
    return code;
  }

  function invitationRow(person: Person, email: string) {
    return person.page
      .getByRole('row')
      .filter({ has: person.page.getByText(email, { exact: true }) });
  }

  beforeAll(async () => {
    // The admin and Rae signed up while sign-up was open; then identity restarts by invitation.
    const open = await startIdentityProcess('portal-invite-open-identity');
    for (const person of [admin, forgetful]) {
      const response = await fetch(`${open.url}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: person.email, password, displayName: person.name }),
      });
      expect(response.status, await response.clone().text()).toBe(201);
    }
    await open.stop();
    const adminRow = await fixtures.prisma.user.findUniqueOrThrow({
      where: { email: admin.email },
    });
    await fixtures.prisma.roleAssignment.create({ data: { userId: adminRow.id, role: 'admin' } });

    identity = await startIdentityProcess('portal-invite-identity', { SIGN_UP_MODE: 'invitation' });
    portal = await startPortalProcess({
      IDENTITY_URL: identity.url,
      AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
      // Named in the one-time-code panels instead of the address the test's browser uses.
      PUBLIC_PORTAL_URL: PUBLIC_PORTAL_URL,
    });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
    await identity?.stop();
    await fixtures.close();
  });

  it('asks a visitor for an invitation code and refuses sign-up without a valid one', async () => {
    const visitor = await newPerson(browser, portal.url);
    const stranger = { name: `Sid Stranger ${suffix}`, email: `sid-${suffix}@example.test` };
    await visitor.page.goto('/sign-up');
    await visitor.page.getByText('Sign-up is by invitation').waitFor();
    const codeField = visitor.page.getByLabel('Invitation code');
    await expect(codeField.getAttribute('required')).resolves.not.toBeNull();
    await visitor.page.getByText('Ask an administrator of this Portcullis to invite you').waitFor();
    await checkPage(visitor, '70-sign-up-by-invitation');

    // No code: identity's 403 in a sentence, nothing created.
    await fillSignUp(visitor, stranger, null);
    await visitor.page
      .getByRole('alert')
      .getByText('Sign-up needs an invitation: ask an administrator for an invitation code.')
      .waitFor();
    expect(new URL(visitor.page.url()).pathname).toBe('/sign-up');
    // What was typed stays (never the password).
    await expect(visitor.page.getByLabel('Work email').inputValue()).resolves.toBe(stranger.email);

    // A made-up code: identity's 400 on the code's field.
    const madeUp = `pcl_inv_${randomBytes(16).toString('hex')}`;
    await fillSignUp(visitor, stranger, madeUp);
    await visitor.page
      .getByRole('alert')
      .getByText(/The invitation code does not work for this e-mail address/)
      .waitFor();
    await visitor.page.getByText('This is not valid for this e-mail address').waitFor();
    await expect(codeField.getAttribute('aria-invalid')).resolves.toBe('true');
    // The code is not echoed back into the form or the address.
    await expect(codeField.inputValue()).resolves.toBe('');
    expect(await visitor.page.content()).not.toContain(madeUp);
    expect(visitor.page.url()).not.toContain('pcl_inv_');
    await checkPage(visitor, '71-sign-up-code-refused');

    expect(await fixtures.prisma.user.count({ where: { email: stranger.email } })).toBe(0);
    await visitor.context.close();
  });

  it('lets an admin invite an address, shows the code once, and the invitee signs up with it', async () => {
    const invitee = { name: `Ivy Invitee ${suffix}`, email: `ivy-${suffix}@example.test` };
    const ines = await signIn(admin.email);
    await ines.page.goto('/admin/users');
    await ines.page
      .getByRole('navigation', { name: 'Administration' })
      .getByRole('link', { name: 'Invitations' })
      .click();
    await ines.page.getByRole('heading', { name: 'Invitations', level: 1 }).waitFor();
    await ines.page.getByText('Sign-up here is by invitation only.').waitFor();

    const code = await invite(ines, invitee.email);
    await ines.page.getByText('Copy it now — this is the only time it is shown.').waitFor();
    await ines.page.getByRole('button', { name: 'Copy invitation code' }).waitFor();
    // Where the invitee goes: the sign-up page's full address, never with the code in it.
    await ines.page.getByText(`${PUBLIC_PORTAL_URL}/sign-up`, { exact: true }).waitFor();
    await ines.page.getByText(/^Works once, until .+ UTC\.$/).waitFor();
    expect(ines.page.url()).not.toContain(code);
    await checkPage(ines, '72-invitation-code');

    const row = invitationRow(ines, invitee.email);
    await row.getByText('Pending', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Revoke' }).waitFor();
    const stored = await fixtures.prisma.invitation.findFirstOrThrow({
      where: { email: invitee.email },
    });
    expect(stored).toMatchObject({ usedAt: null, revokedAt: null });

    // A reload shows the list, never the code again.
    await ines.page.reload();
    await invitationRow(ines, invitee.email).getByText('Pending', { exact: true }).waitFor();
    expect(await ines.page.content()).not.toContain(code);

    // The invitee, in their own browser.
    const ivy = await newPerson(browser, portal.url);
    await ivy.page.goto('/sign-up');
    await fillSignUp(ivy, invitee, code);
    await ivy.page.waitForURL(/\/dashboard/);
    await ivy.page.getByRole('button', { name: 'Sign out' }).waitFor();
    const user = await fixtures.prisma.user.findUniqueOrThrow({ where: { email: invitee.email } });
    const used = await fixtures.prisma.invitation.findUniqueOrThrow({ where: { id: stored.id } });
    expect(used.userId).toBe(user.id);
    expect(used.usedAt).not.toBeNull();

    // Invitations are for admins only.
    await ivy.page.goto('/admin/invitations');
    await ivy.page.getByRole('heading', { name: 'Not available to you' }).waitFor();
    await expect(
      ivy.page.getByRole('form', { name: 'Invite someone to sign up' }).count(),
    ).resolves.toBe(0);
    await ivy.context.close();

    await ines.page.reload();
    const usedRow = invitationRow(ines, invitee.email);
    await usedRow.getByText('Used', { exact: true }).waitFor();
    await expect(usedRow.getByRole('button', { name: 'Revoke' }).count()).resolves.toBe(0);

    // The status filter (a GET form: the choice is in the address).
    const filter = ines.page.getByRole('search', { name: 'Filter invitations' });
    await filter.getByLabel('Status').selectOption('pending');
    await filter.getByRole('button', { name: 'Show' }).click();
    await ines.page.waitForURL(/status=pending/);
    await expect(invitationRow(ines, invitee.email).count()).resolves.toBe(0);
    await filter.getByLabel('Status').selectOption('used');
    await filter.getByRole('button', { name: 'Show' }).click();
    await ines.page.waitForURL(/status=used/);
    await invitationRow(ines, invitee.email).getByText('Used', { exact: true }).waitFor();
    await ines.context.close();
  });

  it('lets an admin revoke an invitation, whose code sign-up then refuses', async () => {
    const revokee = { name: `Rex Revoked ${suffix}`, email: `rex-${suffix}@example.test` };
    const ines = await signIn(admin.email);
    await ines.page.goto('/admin/invitations');
    const code = await invite(ines, revokee.email);
    const row = invitationRow(ines, revokee.email);
    await row.getByText('Pending', { exact: true }).waitFor();
    await ines.page
      .getByRole('form', { name: `Revoke the invitation for ${revokee.email}` })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await row.getByText('Revoked', { exact: true }).waitFor();
    await expect(row.getByRole('button', { name: 'Revoke' }).count()).resolves.toBe(0);
    const stored = await fixtures.prisma.invitation.findFirstOrThrow({
      where: { email: revokee.email },
    });
    expect(stored.revokedAt).not.toBeNull();
    await ines.context.close();

    const rex = await newPerson(browser, portal.url);
    await rex.page.goto('/sign-up');
    await fillSignUp(rex, revokee, code);
    await rex.page.getByText('This is not valid for this e-mail address').waitFor();
    await expect(rex.page.getByLabel('Invitation code').getAttribute('aria-invalid')).resolves.toBe(
      'true',
    );
    expect(new URL(rex.page.url()).pathname).toBe('/sign-up');
    expect(await fixtures.prisma.user.count({ where: { email: revokee.email } })).toBe(0);
    await rex.context.close();
  });

  it('lets an admin issue a password reset code, with which the person sets a new password', async () => {
    const oldSession = await api('/v1/sessions', null, {
      method: 'POST',
      body: JSON.stringify({ email: forgetful.email, password }),
    });
    expect(oldSession.status).toBe(201);
    const oldToken = (oldSession.body as { token: string }).token;

    const ines = await signIn(admin.email);
    await ines.page.goto(`/admin/users?q=${encodeURIComponent(forgetful.email)}`);
    const form = ines.page.getByRole('form', {
      name: `Issue a password reset code for ${forgetful.email}`,
    });
    await form.getByRole('button', { name: 'Issue password reset code' }).click();
    await form.getByRole('heading', { name: 'Password reset code' }).waitFor();
    const code = (await form.getByTestId('one-time-code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^pcl_pwr_/);
    await form.getByText('Copy it now — this is the only time it is shown.').waitFor();
    await form.getByRole('button', { name: 'Copy password reset code' }).waitFor();
    await form.getByText(`${PUBLIC_PORTAL_URL}/sign-in/reset`, { exact: true }).waitFor();
    expect(ines.page.url()).not.toContain(code);
    await checkPage(ines, '73-password-reset-code');
    await ines.context.close();

    // Rae, signed out, finds the page from sign-in.
    const rae = await newPerson(browser, portal.url);
    await rae.page.goto('/sign-in');
    await rae.page.getByText('Have a reset code from an administrator?').waitFor();
    await rae.page.getByRole('link', { name: 'Set a new password' }).click();
    await rae.page.getByRole('heading', { name: 'Set a new password', level: 1 }).waitFor();
    expect(new URL(rae.page.url()).pathname).toBe('/sign-in/reset');
    const resetForm = rae.page.locator('main form');
    await expect(resetForm.getByLabel('New password').getAttribute('autocomplete')).resolves.toBe(
      'new-password',
    );
    // After a client-side navigation Next.js sets the document's title a moment later.
    await expect.poll(() => rae.page.title()).toMatch(/^Set a new password/);
    await checkPage(rae, '74-set-new-password');
    const newPassword = `battery staple ${randomBytes(6).toString('hex')}`;
    const submit = rae.page.getByRole('button', { name: 'Set new password' });

    // A wrong code: one helpful answer, on the code's field.
    await resetForm.getByLabel('Reset code').fill(`pcl_pwr_${randomBytes(16).toString('hex')}`);
    await resetForm.getByLabel('New password').fill(newPassword);
    await submit.click();
    await rae.page
      .getByRole('alert')
      .getByText(/This reset code does not work/)
      .waitFor();
    await expect(resetForm.getByLabel('Reset code').getAttribute('aria-invalid')).resolves.toBe(
      'true',
    );
    // Too short a password: refused before identity.
    await resetForm.getByLabel('Reset code').fill(code);
    await resetForm.getByLabel('New password').fill('short');
    await submit.click();
    await rae.page.getByText('Use at least 12 characters').waitFor();
    expect(await rae.page.content()).not.toContain(code);

    await resetForm.getByLabel('Reset code').fill(code);
    await resetForm.getByLabel('New password').fill(newPassword);
    await submit.click();
    await rae.page.waitForURL(/\/sign-in\?reason=password-reset$/);
    await rae.page.getByRole('status').getByText('Your new password is set').waitFor();
    expect(rae.page.url()).not.toContain(code);

    // Every earlier session ended; the code works once; the old password no longer does.
    expect((await api('/v1/me', oldToken)).status).toBe(401);
    const again = await api('/v1/password-resets', null, {
      method: 'POST',
      body: JSON.stringify({ token: code, newPassword: `${newPassword} again` }),
    });
    expect(again.status).toBe(400);
    await rae.page.getByLabel('Email').fill(forgetful.email);
    await rae.page.getByLabel('Password').fill(password);
    await rae.page.getByRole('button', { name: 'Sign in' }).click();
    await rae.page
      .getByRole('alert')
      .getByText(/password is wrong|did not work/)
      .waitFor();
    await rae.page.getByLabel('Email').fill(forgetful.email);
    await rae.page.getByLabel('Password').fill(newPassword);
    await rae.page.getByRole('button', { name: 'Sign in' }).click();
    await rae.page.waitForURL(/\/dashboard/);
    await rae.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await rae.context.close();
  });
});
