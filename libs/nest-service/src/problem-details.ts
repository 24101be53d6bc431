import { HttpException, HttpStatus } from '@nestjs/common';

/** RFC 9457 problem details. `type` is a URI naming the problem kind; extensions ride alongside. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://portcullis.dev/problems/';

export function problemType(slug: string): string {
  return `${PROBLEM_BASE}${slug}`;
}

/** Throw this from handlers: it becomes an `application/problem+json` response as is. */
export class ProblemException extends HttpException {
  readonly problem: ProblemDetails;

  constructor(
    status: HttpStatus | number,
    slug: string,
    title: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
  ) {
    const problem: ProblemDetails = {
      type: problemType(slug),
      title,
      status,
      ...(detail === undefined ? {} : { detail }),
      ...extensions,
    };
    super(problem, status);
    this.problem = problem;
  }
}

export const problems = {
  badRequest: (detail: string, extensions?: Record<string, unknown>) =>
    new ProblemException(400, 'bad-request', 'Bad request', detail, extensions),
  validation: (errors: { path: string; message: string }[]) =>
    new ProblemException(
      400,
      'validation',
      'Request failed validation',
      'See errors for details.',
      {
        errors,
      },
    ),
  unauthorized: (detail = 'Authentication is required.') =>
    new ProblemException(401, 'unauthorized', 'Unauthorized', detail),
  forbidden: (detail = 'You do not have permission to do this.') =>
    new ProblemException(403, 'forbidden', 'Forbidden', detail),
  notFound: (what: string) =>
    new ProblemException(404, 'not-found', 'Not found', `${what} was not found.`),
  conflict: (detail: string) => new ProblemException(409, 'conflict', 'Conflict', detail),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new ProblemException(429, 'too-many-requests', 'Too many requests', detail, {
      retryAfter: retryAfterSeconds,
    }),
  unavailable: (detail: string) =>
    new ProblemException(503, 'unavailable', 'Service unavailable', detail),
};
