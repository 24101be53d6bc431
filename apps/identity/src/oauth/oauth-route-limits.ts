import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequestError } from './oauth-errors.js';
import { sendOAuthError } from './oauth-exception.filter.js';

/** OAuth requests are a handful of short parameters; anything bigger is refused before parsing. */
export const OAUTH_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Route options Nest cannot set: a small body limit on the OAuth endpoints, and an error handler
 * that answers Fastify's own errors there (body too large, unparsable, unsupported media type) in
 * the OAuth shape. Registered before Nest adds its routes (providers exist before `init`).
 */
@Injectable()
export class OAuthRouteLimits {
  constructor(adapterHost: HttpAdapterHost) {
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/oauth2/')) return;
      route.bodyLimit = OAUTH_BODY_LIMIT_BYTES;
      route.errorHandler = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
        const tooLarge = error.statusCode === 413;
        sendOAuthError(
          reply,
          new InvalidRequestError(
            tooLarge ? 'The request body is too large.' : 'The request body is malformed.',
            tooLarge ? 413 : 400,
          ),
        );
      };
    });
  }
}
