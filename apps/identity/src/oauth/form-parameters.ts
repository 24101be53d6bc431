import type { FastifyRequest } from 'fastify';
import { InvalidRequestError, InvalidTargetError } from './oauth-errors.js';

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** Whether a `content-type` header names a form body, the only kind OAuth requests may carry. */
export function isFormContentType(contentType: string | undefined): boolean {
  return FORM_CONTENT_TYPE.test(contentType ?? '');
}

/**
 * The parameters of an OAuth request: `application/x-www-form-urlencoded` only (RFC 6749 §3.2),
 * each at most once, strings only.
 */
export function formParameters(
  request: Pick<FastifyRequest, 'headers' | 'body'>,
): Map<string, string> {
  if (!isFormContentType(request.headers['content-type'])) {
    throw new InvalidRequestError('The body must be application/x-www-form-urlencoded.');
  }
  const body = request.body;
  if (body === undefined || body === null) return new Map();
  if (typeof body !== 'object') throw new InvalidRequestError('The body is malformed.');
  return singleValued(Object.entries(body as Record<string, unknown>));
}

/** The same rules for a body read as text (the token endpoint's fast path parses its own). */
export function formParametersFromText(text: string): Map<string, string> {
  const grouped = new Map<string, string | string[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = grouped.get(name);
    if (seen === undefined) grouped.set(name, value);
    else if (Array.isArray(seen)) seen.push(value);
    else grouped.set(name, [seen, value]);
  }
  return singleValued(grouped);
}

function singleValued(entries: Iterable<[string, unknown]>): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const [name, value] of entries) {
    if (Array.isArray(value)) {
      // RFC 8707 allows several resources; a token here is for exactly one API.
      if (name === 'resource') throw new InvalidTargetError('Ask for one resource per token.');
      throw new InvalidRequestError(`The parameter ${safeName(name)} is repeated.`);
    }
    if (typeof value !== 'string') throw new InvalidRequestError('The body is malformed.');
    // Empty values count as omitted (RFC 6749 §3.1).
    if (value !== '') parameters.set(name, value);
  }
  return parameters;
}

/** Echo a parameter name only when it is short and plain, so error text stays clean. */
function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : '(unnamed)';
}
