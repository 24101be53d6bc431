import type { FastifyRequest } from 'fastify';
import { InvalidRequestError, InvalidTargetError } from './oauth-errors.js';

/**
 * The parameters of an OAuth request: `application/x-www-form-urlencoded` only (RFC 6749 §3.2),
 * each at most once, strings only.
 */
export function formParameters(request: FastifyRequest): Map<string, string> {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
    throw new InvalidRequestError('The body must be application/x-www-form-urlencoded.');
  }
  const body = request.body;
  if (body === undefined || body === null) return new Map();
  if (typeof body !== 'object') throw new InvalidRequestError('The body is malformed.');
  const parameters = new Map<string, string>();
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
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
