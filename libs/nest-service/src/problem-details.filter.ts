import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { ProblemException, problemType, type ProblemDetails } from './problem-details.js';

/** How long clients are asked to wait while the database is unreachable. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Turns every error into RFC 9457 problem+json. Unexpected errors are logged with their stack and
 * answered with a generic 500: clients never see internals.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(error, request);
    if (problem.status === 503 && problem.type === problemType('database-unavailable')) {
      this.logger.warn({ err: error, requestId: request.id }, 'database unavailable');
    } else if (problem.status >= 500) {
      this.logger.error({ err: error, requestId: request.id }, 'unhandled error');
    }
    if (
      (problem.status === 429 || problem.status === 503) &&
      typeof problem.retryAfter === 'number'
    ) {
      void reply.header('retry-after', String(problem.retryAfter));
    }
    if (problem.status === 401 && !reply.hasHeader('www-authenticate')) {
      void reply.header('www-authenticate', 'Bearer realm="portcullis"');
    }
    void reply
      .status(problem.status)
      .header('content-type', 'application/problem+json; charset=utf-8')
      .send(problem);
  }

  private toProblem(error: unknown, request: FastifyRequest): ProblemDetails {
    const base = { instance: request.url.split('?')[0], requestId: request.id };
    if (error instanceof ProblemException) return { ...error.problem, ...base };
    if (error instanceof ZodError) {
      return {
        type: problemType('validation'),
        title: 'Request failed validation',
        status: 400,
        detail: 'See errors for details.',
        errors: error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        })),
        ...base,
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse();
      const detail =
        typeof response === 'string'
          ? response
          : typeof (response as { message?: unknown }).message === 'string'
            ? (response as { message: string }).message
            : error.message;
      return {
        type: problemType(slugFor(status)),
        title: HttpStatus[status]?.replaceAll('_', ' ').toLowerCase() ?? 'error',
        status,
        detail: status >= 500 ? 'An unexpected error occurred.' : detail,
        ...base,
      };
    }
    const fastifyError = error as { statusCode?: unknown; code?: unknown; message?: unknown };
    if (
      typeof fastifyError.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      // Fastify's own client errors (body too large, bad JSON, wrong content type).
      return {
        type: problemType(slugFor(fastifyError.statusCode)),
        title: HttpStatus[fastifyError.statusCode]?.replaceAll('_', ' ').toLowerCase() ?? 'error',
        status: fastifyError.statusCode,
        detail: typeof fastifyError.message === 'string' ? fastifyError.message : undefined,
        ...base,
      };
    }
    if (isDatabaseUnavailable(error)) {
      return {
        type: problemType('database-unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: 'The database is unreachable; try again shortly.',
        retryAfter: DATABASE_RETRY_AFTER_SECONDS,
        ...base,
      };
    }
    return {
      type: problemType('internal'),
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred.',
      ...base,
    };
  }
}

function slugFor(status: number): string {
  return (HttpStatus[status] ?? 'error').toLowerCase().replaceAll('_', '-');
}
