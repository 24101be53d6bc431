import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF defence, in two layers:
 * 1. Every mutation is a POST (a server action or route handler) and must come from this origin:
 *    `Sec-Fetch-Site` must be `same-origin` when the browser sends it, and `Origin` must match the
 *    host (Next.js checks this for server actions too; we check again so route handlers get it).
 * 2. Every form carries a token bound to the session: HMAC-SHA256 keyed by a random, httpOnly
 *    `pcl_csrf` cookie over the session token (or "anonymous" before sign-in). Another site can
 *    neither read the cookie nor compute the token, and the token changes with each session.
 */
export const CSRF_FIELD = 'csrf';

export function createCsrfSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function deriveCsrfToken(secret: string, sessionToken: string | undefined): string {
  return createHmac('sha256', secret)
    .update(`portcullis-csrf-v1:${sessionToken ?? 'anonymous'}`)
    .digest('base64url');
}

export function verifyCsrfToken(
  submitted: unknown,
  secret: string | undefined,
  sessionToken: string | undefined,
): boolean {
  if (typeof submitted !== 'string' || !secret || submitted.length > 128) return false;
  const expected = Buffer.from(deriveCsrfToken(secret, sessionToken));
  const actual = Buffer.from(submitted);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface RequestOriginHeaders {
  origin: string | null;
  host: string | null;
  forwardedHost: string | null;
  secFetchSite: string | null;
}

/** True when the browser says the request came from a page of this very origin. */
export function isSameOriginRequest(headers: RequestOriginHeaders): boolean {
  if (headers.secFetchSite && headers.secFetchSite !== 'same-origin') return false;
  const host = headers.forwardedHost?.split(',')[0]?.trim() || headers.host;
  if (!host) return false;
  // Browsers send Origin on every POST; a missing one is not a browser form post.
  if (!headers.origin || headers.origin === 'null') return false;
  try {
    return new URL(headers.origin).host === host;
  } catch {
    return false;
  }
}
