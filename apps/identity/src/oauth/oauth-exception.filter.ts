import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { LOGGER } from '@portcullis/nest-service';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { InvalidRequestError, OAuthError, ServerError } from './oauth-errors.js';
import { OAUTH_RESPONSE_HEADERS } from './oauth-response.js';

/** Renders every error of the OAuth endpoints as RFC 6749 §5.2 JSON, never as a stack. */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    sendOAuthError(reply, this.toOAuthError(error, request));
  }

  private toOAuthError(error: unknown, request: FastifyRequest): OAuthError {
    if (error instanceof OAuthError) return error;
    const status = (error as { statusCode?: unknown; status?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new InvalidRequestError('The request is malformed.', status === 413 ? 413 : 400);
    }
    this.logger.error({ err: error, requestId: request.id }, 'OAuth endpoint failed');
    return new ServerError();
  }
}

export function sendOAuthError(reply: FastifyReply, error: OAuthError): void {
  void reply
    .status(error.status)
    .headers({ ...error.headers, ...OAUTH_RESPONSE_HEADERS })
    .send(JSON.stringify(error.toJSON()));
}
