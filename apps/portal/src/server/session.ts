import { cookies, headers } from 'next/headers';
import { cache } from 'react';
import { deriveCsrfToken, isSameOriginRequest, verifyCsrfToken } from '../security/csrf';
import {
  cookieName,
  cookieOptions,
  CSRF_COOKIE,
  CSRF_SEED_HEADER,
  DEVICE_COOKIE,
  MFA_PENDING_COOKIE,
  requestOrigin,
  SESSION_COOKIE,
} from '../security/session-cookies';
import { backendFetch } from './backend';
import { meSchema, type Me } from './models';

/** This request's names for the portal's cookies (see `cookieName`). */
async function cookieNames() {
  const origin = requestOrigin(await headers());
  return {
    session: cookieName(SESSION_COOKIE, origin),
    csrf: cookieName(CSRF_COOKIE, origin),
    mfaPending: cookieName(MFA_PENDING_COOKIE, origin),
    device: cookieName(DEVICE_COOKIE, origin),
  };
}

/** This browser's device token from an earlier sign-in, if any (sent along when signing in). */
export async function deviceToken(): Promise<string | undefined> {
  return (await cookies()).get((await cookieNames()).device)?.value;
}

export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get((await cookieNames()).session)?.value;
}

async function csrfSecret(): Promise<string | undefined> {
  return (
    (await cookies()).get((await cookieNames()).csrf)?.value ??
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

export interface SignedInSession {
  token: string;
  expiresAt: string;
  mfaRequired: boolean;
  deviceToken?: string | undefined;
  deviceExpiresAt?: string | undefined;
}

export async function startSession(session: SignedInSession): Promise<void> {
  const store = await cookies();
  const origin = requestOrigin(await headers());
  const names = await cookieNames();
  // Signing in again in the same browser: the session the cookie held ends at identity too, so a
  // copy of the old cookie is worth nothing.
  const previous = store.get(names.session)?.value;
  if (previous && previous !== session.token) await revokeQuietly(previous);
  const maxAge = secondsUntil(session.expiresAt, 8 * 3600);
  store.set(names.session, session.token, cookieOptions(origin, maxAge));
  if (session.mfaRequired) store.set(names.mfaPending, '1', cookieOptions(origin, maxAge));
  else store.delete(names.mfaPending);
  if (session.deviceToken && session.deviceExpiresAt) {
    store.set(
      names.device,
      session.deviceToken,
      cookieOptions(origin, secondsUntil(session.deviceExpiresAt, 30 * 24 * 3600)),
    );
  }
}

async function revokeQuietly(token: string): Promise<void> {
  try {
    const response = await backendFetch('identity', '/v1/sessions/current', {
      method: 'DELETE',
      token,
    });
    await response.body?.cancel();
  } catch {
    // Identity unreachable: the old session still expires on its own.
  }
}

function secondsUntil(isoTime: string, fallback: number): number {
  return Math.max(60, Math.floor((Date.parse(isoTime) - Date.now()) / 1000) || fallback);
}

export async function mfaSatisfied(): Promise<void> {
  const store = await cookies();
  const { mfaPending } = await cookieNames();
  // Only when set: touching cookies in a server action makes Next.js re-render the page, which
  // would replace one-shot results (recovery codes) on the account page.
  if (store.get(mfaPending)) store.delete(mfaPending);
}

export async function endSession(): Promise<void> {
  const store = await cookies();
  const names = await cookieNames();
  store.delete(names.session);
  store.delete(names.mfaPending);
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
  const names = await cookieNames();
  const token = store.get(names.session)?.value;
  if (!token || store.get(names.mfaPending)) return null;
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
