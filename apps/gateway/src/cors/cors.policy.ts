import type { IncomingHttpHeaders } from 'node:http';
import { Denial } from '../pipeline/denial.js';
import type { RequestContext } from '../pipeline/request-context.js';

const ALWAYS_ALLOWED_HEADERS = ['authorization', 'content-type', 'x-api-key', 'traceparent'];
const EXPOSED_HEADERS =
  'x-request-id, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy, retry-after';

/**
 * CORS per API (settings.cors). Preflights are answered here and never reach the upstream;
 * actual requests from an allowed origin get the response headers browsers need.
 * Returns the preflight headers when the request was one (the pipeline answers 204).
 */
export function corsPolicy(
  context: RequestContext,
  headers: IncomingHttpHeaders,
): Record<string, string> | null {
  const cors = context.api!.api.settings.cors;
  const origin = headers.origin;
  if (!cors || typeof origin !== 'string') return null;
  const anyOrigin = cors.allowedOrigins.includes('*');
  const allowed = anyOrigin || cors.allowedOrigins.includes(origin);
  const preflight =
    context.method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
  if (!allowed) {
    if (preflight) {
      throw new Denial(
        403,
        'cors_rejected',
        'forbidden',
        'Forbidden',
        'This origin may not call the API.',
      );
    }
    return null;
  }
  context.corsOrigin = origin;
  // `*` for any origin, never the caller's origin echoed: a browser then sends no cookies or
  // cached credentials with the request, whatever the upstream would allow.
  context.responseHeaders['access-control-allow-origin'] = anyOrigin ? '*' : origin;
  context.responseHeaders['access-control-expose-headers'] = EXPOSED_HEADERS;
  if (!anyOrigin) context.responseHeaders.vary = 'Origin';
  if (!preflight) return null;
  const methods = new Set(context.api!.routes.map((route) => route.method));
  return {
    'access-control-allow-methods': methods.has('*')
      ? 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
      : [...methods].join(', '),
    'access-control-allow-headers': [
      ...new Set([...ALWAYS_ALLOWED_HEADERS, ...cors.allowedHeaders.map((h) => h.toLowerCase())]),
    ].join(', '),
    'access-control-max-age': String(cors.maxAgeSeconds),
  };
}
