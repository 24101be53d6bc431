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
