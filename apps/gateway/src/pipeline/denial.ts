import type { AccessReason } from '@portcullis/contracts';

/**
 * A policy's refusal: becomes one RFC 9457 problem response and one `deny` access event. Thrown
 * (not returned) so each policy stays a straight line; the pipeline catches exactly this type.
 */
export class Denial extends Error {
  constructor(
    readonly status: number,
    readonly reason: AccessReason,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'Denial';
  }
}

export const denials = {
  badRequest: (detail: string) =>
    new Denial(400, 'bad_request', 'bad-request', 'Bad request', detail),
  notFound: (detail = 'No API route matches this request.') =>
    new Denial(404, 'route_not_found', 'not-found', 'Not found', detail),
  unavailable: (reason: AccessReason, detail: string, headers: Record<string, string> = {}) =>
    new Denial(503, reason, 'unavailable', 'Service unavailable', detail, headers),
};
