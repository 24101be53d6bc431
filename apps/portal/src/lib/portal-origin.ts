/**
 * The portal's own origin as the browser reached it (`https://portal.example.com`), for telling
 * an admin which address to pass on with a one-time code; null when the request names no usable
 * host. The first `X-Forwarded-Proto`/`X-Forwarded-Host` entry wins (the proxy nearest the
 * browser), as for the cookies' `Secure` decision (src/security/session-cookies.ts).
 */
export function portalOrigin(headers: { get(name: string): string | null }): string | null {
  const forwardedProto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : 'http';
  const host = headers.get('x-forwarded-host')?.split(',')[0]?.trim() || headers.get('host') || '';
  if (!host || /[\s/\\?#@]/.test(host)) return null;
  try {
    const url = new URL(`${proto}://${host}`);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}

/** PUBLIC_PORTAL_URL's origin (`https://portal.example.com`), or null when unset or not a URL. */
export function configuredPortalOrigin(value: string | undefined): string | null {
  const text = value?.trim();
  if (!text) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}
