import type { GatewayRoute } from '@portcullis/contracts';

/** A catalog route compiled once per snapshot, so matching is a walk over segments. */
export interface CompiledRoute {
  route: GatewayRoute;
  method: string;
  /** Literal segments, or null for a `{param}`. */
  segments: (string | null)[];
  /** The same, lower-cased: for telling a path that differs only in letter case. */
  foldedSegments: (string | null)[];
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
      const foldedSegments = segments.map((segment) => segment?.toLowerCase() ?? null);
      return {
        route,
        method: route.method.toUpperCase(),
        segments,
        foldedSegments,
        rest,
        specificity,
      };
    })
    .sort((a, b) => b.specificity - a.specificity || (a.method === '*' ? 1 : -1));
}

/**
 * Answer of matchRoute for a path that matches one route but differs from a more specific one
 * only in letter case (`/orders/EXPORT` against `/orders/export` and `/orders/{id}`): many
 * backends match paths case-insensitively, so forwarding it under the weaker route's scopes could
 * reach the stricter route's handler.
 */
export const CASE_AMBIGUOUS = Symbol('case-ambiguous');

/** The most specific route for a method and a path below the API's base path. */
export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): CompiledRoute | typeof CASE_AMBIGUOUS | null {
  const parts = path.split('/').filter((segment) => segment !== '');
  // HEAD is served by GET routes, as HTTP says.
  const effective = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
  /** The highest specificity of a route the path matches only when letter case is ignored. */
  let caseShadow = -1;
  for (const candidate of routes) {
    if (candidate.method !== '*' && !effective.includes(candidate.method)) continue;
    if (
      candidate.rest
        ? parts.length < candidate.segments.length
        : parts.length !== candidate.segments.length
    ) {
      continue;
    }
    let fit: 'exact' | 'case' | 'none' = 'exact';
    for (let index = 0; index < candidate.segments.length; index += 1) {
      const expected = candidate.segments[index];
      if (expected === null || expected === parts[index]) continue;
      if (candidate.foldedSegments[index] !== parts[index]!.toLowerCase()) {
        fit = 'none';
        break;
      }
      fit = 'case';
    }
    if (fit === 'exact') return caseShadow > candidate.specificity ? CASE_AMBIGUOUS : candidate;
    if (fit === 'case') caseShadow = Math.max(caseShadow, candidate.specificity);
  }
  return null;
}
