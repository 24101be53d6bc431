export interface ContentSecurityPolicyOptions {
  /** Fresh for every response; Next.js puts it on its own scripts and styles. */
  nonce: string;
  /** `next dev` needs `eval` (React's error overlays) and unnonced inline styles (hot reload). */
  development: boolean;
  /** Upgrading subresources makes sense only on a page that was itself served over HTTPS. */
  https: boolean;
}

/**
 * A nonce-based policy: no script runs unless the server rendered it with this response's nonce
 * (or it was loaded by one that did, `strict-dynamic`). No `unsafe-eval` outside development,
 * no inline scripts, and no framing by anyone.
 */
export function buildContentSecurityPolicy(options: ContentSecurityPolicyOptions): string {
  const { nonce, development, https } = options;
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    [
      'script-src',
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(development ? ["'unsafe-eval'"] : []),
    ],
    ['style-src', "'self'", ...(development ? ["'unsafe-inline'"] : [`'nonce-${nonce}'`])],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'"],
    ['connect-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
    ['frame-ancestors', "'none'"],
    ...(https ? [['upgrade-insecure-requests'] as [string]] : []),
  ];
  return directives.map((directive) => directive.join(' ')).join('; ');
}

/** 128 random bits, base64: unguessable per response, as CSP nonces must be. */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
