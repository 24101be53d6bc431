import type { GatewayRoute } from '@portcullis/contracts';

/** A catalog route compiled once per snapshot, so matching is a walk over segments. */
export interface CompiledRoute {
  route: GatewayRoute;
  method: string;
  /** Literal segments, or null for a `{param}`. */
  segments: (string | null)[];
  /** Ends in `/**`: any number of further segments (including none). */
  rest: boolean;
  /** Higher wins: more literal segments, then exact length over a `/**` tail. */
  specificity: number;
}

export function compileRoutes(routes: readonly GatewayRoute[]): CompiledRoute[] {
  return routes
    .map((route) => {
      let pattern = route.pathPattern.startsWith('/') ? route.pathPattern : `/${route.pathPattern}`;
      let rest = false;
      if (pattern === '/**' || pattern.endsWith('/**')) {
        rest = true;
        pattern = pattern.slice(0, -3);
      }
      const segments = pattern
        .split('/')
        .filter((segment) => segment !== '')
        .map((segment) => (/^\{[^/{}]+\}$/.test(segment) ? null : segment));
      const literals = segments.filter((segment) => segment !== null).length;
      const specificity = literals * 1000 + segments.length * 10 + (rest ? 0 : 5);
      return { route, method: route.method.toUpperCase(), segments, rest, specificity };
    })
    .sort((a, b) => b.specificity - a.specificity || (a.method === '*' ? 1 : -1));
}

/** The most specific route for a method and a path below the API's base path. */
export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): CompiledRoute | null {
  const parts = path.split('/').filter((segment) => segment !== '');
  // HEAD is served by GET routes, as HTTP says.
  const effective = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
  for (const candidate of routes) {
    if (candidate.method !== '*' && !effective.includes(candidate.method)) continue;
    if (
      candidate.rest
        ? parts.length < candidate.segments.length
        : parts.length !== candidate.segments.length
    ) {
      continue;
    }
    let matches = true;
    for (let index = 0; index < candidate.segments.length; index += 1) {
      const expected = candidate.segments[index];
      if (expected !== null && expected !== parts[index]) {
        matches = false;
        break;
      }
    }
    if (matches) return candidate;
  }
  return null;
}
