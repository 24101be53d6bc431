/** The portal's own cookies. The session cookie holds the identity session token, nothing else. */
export const SESSION_COOKIE = 'pcl_session';
export const CSRF_COOKIE = 'pcl_csrf';
/** Set while a signed-in session still owes its second factor. */
export const MFA_PENDING_COOKIE = 'pcl_mfa';
/**
 * Identity's device token for this browser, kept across sign-outs: wrong passwords typed by
 * strangers elsewhere lock out new devices, never this browser once it has signed in.
 */
export const DEVICE_COOKIE = 'pcl_device';

type PortalCookie =
  typeof SESSION_COOKIE | typeof CSRF_COOKIE | typeof MFA_PENDING_COOKIE | typeof DEVICE_COOKIE;

/**
 * The name a cookie goes by for this request: `__Host-` wherever it is Secure. Browsers accept a
 * `__Host-` cookie only from this very host, over HTTPS, with `Path=/` and no `Domain`, so a
 * sibling subdomain (`docs.example.com`) can no longer plant its own session or CSRF secret for
 * the portal. Plain-HTTP loopback (a developer's machine) keeps the bare names: browsers refuse
 * the prefix without Secure.
 */
export function cookieName(
  cookie: PortalCookie,
  request: { protocol: string; hostname: string },
): string {
  return cookieOptions(request).secure ? `__Host-${cookie}` : cookie;
}

export interface CookieOptions {
  httpOnly: true;
  secure: boolean;
  sameSite: 'lax' | 'strict';
  path: '/';
  maxAge?: number;
}

/**
 * `Secure` everywhere except plain-HTTP loopback (a developer's own machine), where browsers
 * would otherwise drop the cookie. SameSite=Lax lets a link from elsewhere land signed in, while
 * cross-site POSTs carry no cookie.
 */
export function cookieOptions(
  request: { protocol: string; hostname: string },
  maxAge?: number,
): CookieOptions {
  return {
    httpOnly: true,
    secure: !(request.protocol === 'http:' && isLoopback(request.hostname)),
    sameSite: 'lax',
    path: '/',
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/** Where the request really arrived: the proxy's forwarded headers win over the socket's view. */
export function requestOrigin(headers: { get(name: string): string | null }): {
  protocol: string;
  hostname: string;
} {
  const proto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || 'http';
  const host = headers.get('x-forwarded-host')?.split(',')[0]?.trim() || headers.get('host') || '';
  let hostname = host;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    // keep the raw value: an unparsable host is not loopback, so cookies stay Secure
  }
  return { protocol: `${proto}:`, hostname };
}

/** Header through which src/proxy.ts hands a just-minted CSRF secret to the same request. */
export const CSRF_SEED_HEADER = 'x-portcullis-csrf-seed';
