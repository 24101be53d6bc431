import { cookies, headers } from 'next/headers';
import { cache } from 'react';
import { deriveCsrfToken, isSameOriginRequest, verifyCsrfToken } from '../security/csrf';
import {
  cookieOptions,
  CSRF_COOKIE,
  CSRF_SEED_HEADER,
  MFA_PENDING_COOKIE,
  requestOrigin,
  SESSION_COOKIE,
} from '../security/session-cookies';
import { backendFetch } from './backend';
import { meSchema, type Me } from './models';

export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}

async function csrfSecret(): Promise<string | undefined> {
  return (
    (await cookies()).get(CSRF_COOKIE)?.value ??
    (await headers()).get(CSRF_SEED_HEADER) ??
    undefined
  );
}

/** The token this session's forms carry (see src/security/csrf.ts). */
export async function csrfToken(): Promise<string> {
  const secret = await csrfSecret();
  // Without a secret (cookies disabled) the form cannot be submitted anyway; the check will say so.
  return secret ? deriveCsrfToken(secret, await sessionToken()) : 'missing';
}

export class CsrfError extends Error {
  constructor() {
    super('This form has expired or did not come from the portal. Reload the page and try again.');
    this.name = 'CsrfError';
  }
}

/** Every mutation calls this first: same-origin request and a valid per-session token. */
export async function assertCsrf(formData: FormData): Promise<void> {
  const requestHeaders = await headers();
  const sameOrigin = isSameOriginRequest({
    origin: requestHeaders.get('origin'),
    host: requestHeaders.get('host'),
    forwardedHost: requestHeaders.get('x-forwarded-host'),
    secFetchSite: requestHeaders.get('sec-fetch-site'),
  });
  const valid = verifyCsrfToken(formData.get('csrf'), await csrfSecret(), await sessionToken());
  if (!sameOrigin || !valid) throw new CsrfError();
}

export async function startSession(
  token: string,
  expiresAt: string,
  mfaPending: boolean,
): Promise<void> {
  const store = await cookies();
  const origin = requestOrigin(await headers());
  const maxAge = Math.max(60, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000) || 8 * 3600);
  store.set(SESSION_COOKIE, token, cookieOptions(origin, maxAge));
  if (mfaPending) store.set(MFA_PENDING_COOKIE, '1', cookieOptions(origin, maxAge));
  else store.delete(MFA_PENDING_COOKIE);
}

export async function mfaSatisfied(): Promise<void> {
  const store = await cookies();
  // Only when set: touching cookies in a server action makes Next.js re-render the page, which
  // would replace one-shot results (recovery codes) on the account page.
  if (store.get(MFA_PENDING_COOKIE)) store.delete(MFA_PENDING_COOKIE);
}

export async function endSession(): Promise<void> {
  const store = await cookies();
  store.delete(SESSION_COOKIE);
  store.delete(MFA_PENDING_COOKIE);
}

export interface Viewer {
  me: Me;
  isAdmin: boolean;
  isSecurity: boolean;
  isApprover: boolean;
}

/**
 * Who is signed in, once per request; null for visitors, expired sessions and sessions still
 * owing a second factor. Never redirects, so public pages can call it.
 */
export const currentViewer = cache(async (): Promise<Viewer | null> => {
  const store = await cookies();
  const token = store.get(SESSION_COOKIE)?.value;
  if (!token || store.get(MFA_PENDING_COOKIE)) return null;
  let response: Response;
  try {
    response = await backendFetch('identity', '/v1/me', { token });
  } catch {
    return null;
  }
  if (!response.ok) {
    await response.body?.cancel();
    return null;
  }
  const parsed = meSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) return null;
  const me = parsed.data;
  const isAdmin = me.roles.includes('admin');
  return {
    me,
    isAdmin,
    isSecurity: isAdmin || me.roles.includes('security'),
    isApprover: isAdmin || me.roles.includes('approver') || me.approverApiIds.length > 0,
  };
});
