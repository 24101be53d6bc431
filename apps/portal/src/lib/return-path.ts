/** A same-site path to return to after sign-in; anything else (other hosts, schemes) goes home. */
export function safeReturnPath(value: unknown, fallback = '/dashboard'): string {
  if (typeof value !== 'string' || value.length > 512) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  try {
    const url = new URL(value, 'http://portal.invalid');
    if (url.origin !== 'http://portal.invalid') return fallback;
    // Checked again after normalising: `/.//evil.example` and `/a/..//evil.example` become
    // `//evil.example`, which a browser reads as another host.
    if (url.pathname.startsWith('//') || url.pathname.startsWith('/\\')) return fallback;
    if (url.pathname.startsWith('/sign-in') || url.pathname.startsWith('/sign-up')) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}
