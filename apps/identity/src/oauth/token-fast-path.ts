import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { Inject, Injectable } from '@nestjs/common';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Histogram,
  type Tracer,
} from '@opentelemetry/api';
import { CONFIG, LOGGER, requestIdFor } from '@portcullis/nest-service';
import { getMeter, getTracer } from '@portcullis/telemetry';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config.js';
import { formParametersFromText, isFormContentType } from './form-parameters.js';
import { TOKEN_PATH } from './issuer.js';
import { InvalidRequestError, OAuthError, ServerError } from './oauth-errors.js';
import { OAUTH_RESPONSE_HEADERS } from './oauth-response.js';
import { OAUTH_BODY_LIMIT_BYTES } from './oauth-route-limits.js';
import { TokenEndpoint } from './token-endpoint.js';

/** nginx's status for a request whose client closed the connection first (metrics and span only). */
const CLIENT_CLOSED_REQUEST = 499;

class ClientGoneError extends Error {}

class BodyTooLargeError extends InvalidRequestError {
  constructor() {
    super('The request body is too large.', 413);
  }
}

/**
 * Serves `POST /oauth2/token` from Node's request listener, before Fastify, Nest and the generic
 * HTTP instrumentation: the busiest route of an authorization server, and the one where their
 * per-request work (routing, hooks, content-type parsing, context binding) cost more than the
 * OAuth work itself. It does what they did for this route: a bounded body read, form parsing,
 * RFC 6749 error answers, the request id, a server span and the request-duration metric.
 */
@Injectable()
export class TokenFastPath {
  readonly #tracer: Tracer = getTracer('portcullis-identity');
  readonly #duration: Histogram = getMeter('portcullis-identity').createHistogram(
    'http.server.request.duration',
    { unit: 's', description: 'Duration of HTTP server requests.' },
  );

  /** The client's address as Fastify works it out for every other route (TRUSTED_PROXIES). */
  readonly #clientAddress: (request: IncomingMessage) => string;

  constructor(
    private readonly endpoint: TokenEndpoint,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: IdentityConfig,
  ) {
    const trusted = proxyAddr.compile(config.TRUSTED_PROXIES);
    this.#clientAddress =
      config.TRUSTED_PROXIES.length === 0
        ? (request) => request.socket.remoteAddress ?? ''
        : (request) => proxyAddr(request, trusted);
  }

  /** Takes `POST /oauth2/token` (returns true); every other request is left to Fastify. */
  readonly intercept = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== 'POST' || pathOf(request.url) !== TOKEN_PATH) return false;
    void this.#serve(request, response);
    return true;
  };

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFor(request.headers);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = this.#tracer.startSpan(
      `POST ${TOKEN_PATH}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'POST',
          'http.route': TOKEN_PATH,
          'url.path': TOKEN_PATH,
          'client.address': request.socket.remoteAddress ?? '',
        },
      },
      parent,
    );
    let status: number;
    try {
      status = await context.with(trace.setSpan(parent, span), () =>
        this.#answer(request, response, requestId),
      );
    } catch (error) {
      // Only a failure to write the answer gets here (the client went away mid-response).
      this.logger.warn({ err: error, requestId }, 'token response could not be written');
      status = 500;
    }
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    this.#duration.record((performance.now() - started) / 1000, {
      'http.request.method': 'POST',
      'http.route': TOKEN_PATH,
      'http.response.status_code': status,
    });
  }

  async #answer(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
  ): Promise<number> {
    let status = 200;
    let headers: Record<string, string> = { ...OAUTH_RESPONSE_HEADERS };
    let body: string;
    try {
      const text = await readBody(request, OAUTH_BODY_LIMIT_BYTES);
      if (!isFormContentType(request.headers['content-type'])) {
        throw new InvalidRequestError('The body must be application/x-www-form-urlencoded.');
      }
      const oauthRequest = {
        headers: request.headers,
        ip: this.#clientAddress(request),
        url: request.url ?? TOKEN_PATH,
        socket: request.socket,
      };
      body = JSON.stringify(
        await this.endpoint.exchange(oauthRequest, formParametersFromText(text)),
      );
    } catch (error) {
      // The client went away while sending the body: nobody to answer, nothing went wrong here.
      if (error instanceof ClientGoneError) return CLIENT_CLOSED_REQUEST;
      const refusal = error instanceof OAuthError ? error : this.#unexpected(error, requestId);
      status = refusal.status;
      headers = { ...refusal.headers, ...headers };
      body = JSON.stringify(refusal.toJSON());
      // The rest of an oversized body is never read: close the connection after answering.
      if (error instanceof BodyTooLargeError) headers.connection = 'close';
    }
    if (response.destroyed) return status;
    headers['x-request-id'] = requestId;
    headers['content-length'] = String(Buffer.byteLength(body));
    response.writeHead(status, headers);
    response.end(body);
    return status;
  }

  #unexpected(error: unknown, requestId: string): ServerError {
    this.logger.error({ err: error, requestId }, 'OAuth endpoint failed');
    return new ServerError();
  }
}

/** The body as text, refused past `limit` bytes (declared or actually sent). */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.pause();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      const text =
        chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      resolve(text);
    });
    request.once('error', () => reject(new ClientGoneError()));
  });
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
