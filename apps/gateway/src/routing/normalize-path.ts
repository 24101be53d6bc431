/** Longest path (without the query) the gateway accepts. */
export const MAX_PATH_LENGTH = 2048;

export type NormalizedTarget =
  { ok: true; path: string; query: string } | { ok: false; problem: string };

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
// Encodings that could turn into path structure (dot, slash, backslash, NUL), into header
// breaks once decoded (any control character: CR, LF…) or hide another encoding layer (%25) once a
// backend decodes the path again.
const HOSTILE_ENCODING = /%(2e|2f|5c|25|[01][0-9a-f]|7f)/i;

/**
 * Turns a raw request target into the path the gateway routes on and forwards. Anything that
 * could make the backend see a different path than the one the gateway authorised is refused,
 * not repaired: traversal, encoded separators, empty segments, control characters, path
 * parameters and fragments.
 */
export function normalizeTarget(rawTarget: string): NormalizedTarget {
  const queryStart = rawTarget.indexOf('?');
  const rawPath = queryStart === -1 ? rawTarget : rawTarget.slice(0, queryStart);
  const query = queryStart === -1 ? '' : rawTarget.slice(queryStart);
  if (!rawPath.startsWith('/')) return { ok: false, problem: 'The path must start with /.' };
  if (rawPath.length > MAX_PATH_LENGTH) return { ok: false, problem: 'The path is too long.' };
  if (rawTarget.length > MAX_PATH_LENGTH * 4) {
    return { ok: false, problem: 'The request target is too long.' };
  }
  if (hasForbiddenCharacter(rawTarget)) {
    return { ok: false, problem: 'The request target contains forbidden characters.' };
  }
  // A fragment is never sent; backends that keep it in the path would route on it.
  if (rawTarget.includes('#')) {
    return { ok: false, problem: 'The request target contains a fragment (#).' };
  }
  // `/orders/export;x` is `/orders/export` to servers that strip path parameters (Tomcat, Spring,
  // Jetty) but would match a different, less guarded route here.
  if (rawPath.includes(';')) {
    return { ok: false, problem: 'The path contains a path parameter (;).' };
  }

  const hasEscapes = rawPath.includes('%');
  if (hasEscapes && HOSTILE_ENCODING.test(rawPath)) {
    return { ok: false, problem: 'The path contains an encoded separator, dot or escape.' };
  }
  if (rawPath.includes('//')) return { ok: false, problem: 'The path contains an empty segment.' };
  // Most paths carry no escapes and no dots: those need none of the work below.
  if (!hasEscapes && !rawPath.includes('.')) return { ok: true, path: rawPath, query };

  const path = hasEscapes ? decodeUnreserved(rawPath) : rawPath;
  if (path === null) {
    return { ok: false, problem: 'The path contains an invalid percent-encoding.' };
  }
  for (const segment of path.split('/')) {
    if (segment === '..' || segment === '.') {
      return { ok: false, problem: 'The path contains a dot segment.' };
    }
  }
  if (hasEscapes && !isUtf8(path)) {
    return { ok: false, problem: 'The path contains an invalid percent-encoding.' };
  }
  return { ok: true, path, query };
}

/**
 * Decodes only unreserved characters (RFC 3986 §6.2.2.2), so routing sees one spelling, and keeps
 * the rest encoded, upper-cased. Null for a malformed escape.
 */
function decodeUnreserved(rawPath: string): string | null {
  let path = '';
  for (let index = 0; index < rawPath.length; index += 1) {
    const char = rawPath[index]!;
    if (char !== '%') {
      path += char;
      continue;
    }
    const hex = rawPath.slice(index + 1, index + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
    const decoded = String.fromCharCode(Number.parseInt(hex, 16));
    path += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    index += 2;
  }
  return path;
}

/**
 * Escapes must spell valid UTF-8: overlong forms (`%c0%ae` for `.`) decode to dots in lenient
 * backends.
 */
function isUtf8(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** Control characters (NUL included), DEL and backslashes never belong in a request target. */
function hasForbiddenCharacter(target: string): boolean {
  for (let index = 0; index < target.length; index += 1) {
    const code = target.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}
