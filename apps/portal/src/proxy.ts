import { NextResponse, type NextRequest } from 'next/server';
import { buildContentSecurityPolicy, createNonce } from './security/content-security-policy';
import {
  cookieName,
  cookieOptions,
  CSRF_COOKIE,
  CSRF_SEED_HEADER,
  requestOrigin,
} from './security/session-cookies';

/**
 * Gives every rendered page its own CSP nonce (Next.js reads it back from the request header), and
 * every browser the random secret its CSRF tokens are derived from (see src/security/csrf.ts).
 */
export function proxy(request: NextRequest): NextResponse {
  const nonce = createNonce();
  const origin = requestOrigin(request.headers);
  const policy = buildContentSecurityPolicy({
    nonce,
    development: process.env.NODE_ENV === 'development',
    https: origin.protocol === 'https:',
  });

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', policy);
  // Only this proxy may hand over a seed; a client-sent one is dropped.
  requestHeaders.delete(CSRF_SEED_HEADER);
  let csrfSecret: string | null = null;
  const csrfCookie = cookieName(CSRF_COOKIE, origin);
  if (!request.cookies.get(csrfCookie)?.value) {
    csrfSecret = randomSecret();
    requestHeaders.set(CSRF_SEED_HEADER, csrfSecret);
  }

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', policy);
  // Browsers heed it only over HTTPS; once seen, a later http:// visit never reaches the network,
  // so nobody on the path can serve a look-alike sign-in page.
  if (origin.protocol === 'https:') {
    response.headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  }
  if (csrfSecret) {
    // Lives as long as the browser keeps it; it binds forms to this browser, not to a person.
    response.cookies.set(csrfCookie, csrfSecret, cookieOptions(origin, 60 * 60 * 24 * 30));
  }
  return response;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export const config = {
  matcher: [
    // Pages and actions only: not build assets, the icon, or the health probes.
    '/((?!_next/static|_next/image|favicon\\.ico|icon\\.svg|healthz|readyz).*)',
  ],
};
