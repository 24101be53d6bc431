import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { propagation } from '@opentelemetry/api';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import type { AssertionSigner } from '../identity-assertion/assertion-signer.js';
import { Denial, denials } from '../pipeline/denial.js';
import type { RequestContext } from '../pipeline/request-context.js';
import {
  downstreamResponseHeaders,
  forwardedFor,
  mergedVary,
  upstreamRequestHeaders,
} from './forward-headers.js';
import type { CacheWriter, ResponseCache } from '../response-cache/response-cache.js';
import type { UpstreamPools } from './upstream-pools.js';

class BodyTooLarge extends Error {}

/**
 * Forwards the request to the API's upstream with undici, streaming bodies both ways. The
 * upstream sees the verified identity (headers plus a signed assertion) and nothing the client
 * claimed about itself.
 */
export class ProxyPolicy {
  constructor(
    private readonly pools: UpstreamPools,
    private readonly signer: AssertionSigner,
  ) {}

  /** X-Portcullis-Assertion for a request whose caller and scopes are settled (often cached). */
  assertion(context: RequestContext): string | Promise<string> {
    const caller = context.caller!;
    return this.signer.assertion({
      audience: context.api!.api.audience,
      appId: caller.appId,
      clientId: caller.clientId,
      teamId: caller.teamId,
      environment: caller.environment,
      scopes: context.scopes,
      credentialId: caller.credentialId,
      tokenJti: caller.tokenJti,
    });
  }

  async run(
    context: RequestContext,
    request: IncomingMessage,
    response: ServerResponse,
    encrypted: boolean,
    /** The body when a policy already read it (threat protection). */
    bufferedBody: Buffer | null = null,
    /** The assertion, when it was asked for earlier (signing overlaps the rate limit). */
    assertion?: string | Promise<string>,
    /** The response cache, when this request may be stored in it. */
    cache: ResponseCache | null = null,
  ): Promise<void> {
    const compiled = context.api!;
    const settings = compiled.api.settings;
    const upstream = this.pools.get(compiled.upstream.origin, settings.connectTimeoutMs);
    if (!upstream.breaker.tryAcquire()) {
      throw new Denial(
        503,
        'circuit_open',
        'unavailable',
        'Service unavailable',
        'The upstream is failing; try again later.',
        {
          'retry-after': String(upstream.breaker.retryAfterSeconds()),
        },
      );
    }
    // Every request let through ends in success(), failure() or, with no verdict on the upstream
    // (the client went away, the request failed before it was sent), release(): a half-open trial
    // that ended otherwise would keep the circuit open for good.
    let judged = false;
    try {
      const target = upstreamTarget(context);
      const caller = context.caller!;

      const headers = upstreamRequestHeaders(request.rawHeaders, request.headers);
      const host = request.headers.host ?? '';
      const proto = encrypted ? 'https' : 'http';
      headers['x-forwarded-for'] = context.sourceIp;
      headers['x-forwarded-proto'] = proto;
      if (host) headers['x-forwarded-host'] = host;
      headers.forwarded = `for=${forwardedFor(context.sourceIp)};proto=${proto}${host ? `;host="${host.replaceAll('"', '')}"` : ''}`;
      headers['x-portcullis-app-id'] = caller.appId;
      if (caller.teamId) headers['x-portcullis-team-id'] = caller.teamId;
      if (caller.clientId) headers['x-portcullis-client-id'] = caller.clientId;
      headers['x-portcullis-environment'] = caller.environment;
      headers['x-portcullis-scopes'] = context.scopes.join(' ');
      headers['x-portcullis-request-id'] = context.requestId;
      const signed = assertion ?? this.assertion(context);
      headers['x-portcullis-assertion'] = typeof signed === 'string' ? signed : await signed;
      // W3C trace context of the gateway's own span, when tracing is on.
      propagation.inject(context.trace, headers);

      const hasBody =
        request.headers['transfer-encoding'] !== undefined ||
        (request.headers['content-length'] !== undefined &&
          request.headers['content-length'] !== '0');
      let body: Transform | Buffer | null = null;
      if (bufferedBody) {
        body = bufferedBody;
        // The buffered length replaces a chunked framing.
        delete headers['transfer-encoding'];
        headers['content-length'] = String(bufferedBody.length);
      } else if (hasBody) {
        const limit = settings.maxBodyBytes;
        body = new Transform({
          transform: (chunk: Buffer, _encoding, callback) => {
            context.bytesIn += chunk.length;
            if (context.bytesIn > limit) callback(new BodyTooLarge());
            else callback(null, chunk);
          },
        });
        request.pipe(body);
      }

      const started = performance.now();
      // dispatch() with a handler that writes straight into the client's response: no response
      // object, body stream or pipe per request (undici's request() costs all three).
      await new Promise<void>((resolve, reject) => {
        let cacheWriter: CacheWriter | null = null;
        let headersSent = false;
        let clientGone = false;
        let controller: Dispatcher.DispatchController | null = null;
        response.once('close', () => {
          // The client went away before the end: stop reading from the upstream.
          clientGone = true;
          if (!response.writableFinished) controller?.abort(new Error('client closed'));
        });
        const handler: Dispatcher.DispatchHandler = {
          onRequestStart: (started) => {
            controller = started;
            if (clientGone) started.abort(new Error('client closed'));
          },
          onResponseStart: (_controller, status, upstreamHeaders) => {
            // Informational answers (103 Early Hints...) are not passed on; the final one follows.
            if (status < 200) return;
            context.upstreamMs = performance.now() - started;
            judged = true;
            if (status === 502 || status === 503 || status === 504) upstream.breaker.failure();
            else upstream.breaker.success();
            context.status = status;
            context.reason = 'ok';
            const returned = downstreamResponseHeaders(upstreamHeaders, settings.cors !== null);
            cacheWriter = cache?.writer(context, request.headers, status, returned) ?? null;
            // The cache keeps the upstream's headers as they came; otherwise ours go straight in.
            const headers = cache ? { ...returned } : returned;
            if (cache) {
              context.cache = 'miss';
              headers['x-cache'] = 'MISS';
            }
            const ours = context.responseHeaders;
            for (const name in ours) {
              const value = ours[name]!;
              const upstreamVary = name === 'vary' ? headers.vary : undefined;
              headers[name] = upstreamVary === undefined ? value : mergedVary(upstreamVary, value);
            }
            headers['x-request-id'] = context.requestId;
            response.writeHead(status, headers);
            headersSent = true;
            resolve();
          },
          onResponseData: (active, chunk) => {
            context.bytesOut += chunk.length;
            cacheWriter?.write(chunk);
            if (!response.write(chunk)) {
              active.pause();
              response.once('drain', () => active.resume());
            }
          },
          onResponseEnd: () => {
            cacheWriter?.end();
            response.end();
          },
          onResponseError: (_controller, error) => {
            if (headersSent) {
              // The upstream broke mid-body: cut the response so the client sees it was incomplete.
              response.destroy();
              return;
            }
            context.upstreamMs = performance.now() - started;
            if (error instanceof BodyTooLarge || error.cause instanceof BodyTooLarge) {
              judged = true;
              upstream.breaker.success();
              reject(payloadTooLarge());
              return;
            }
            if (clientGone) {
              resolve();
              return;
            }
            if (isRefusedBeforeSending(error)) {
              // The request itself, not the upstream: it must not count towards opening the circuit.
              reject(denials.badRequest('The request cannot be forwarded as it was sent.'));
              return;
            }
            judged = true;
            upstream.breaker.failure();
            reject(upstreamDenial(error));
          },
        };
        upstream.pool.dispatch(
          {
            method: context.method as Dispatcher.HttpMethod,
            path: target,
            headers,
            body,
            headersTimeout: settings.responseTimeoutMs,
            bodyTimeout: settings.responseTimeoutMs,
          },
          handler,
        );
      });
    } finally {
      if (!judged) upstream.breaker.release();
    }
  }
}

/** The path and query the upstream receives: its base path plus the path below the API's. */
export function upstreamTarget(context: RequestContext): string {
  const basePath = context.api!.upstream.pathname.replace(/\/+$/, '');
  return `${basePath}${context.apiPath}${context.query}`;
}

export function payloadTooLarge(): Denial {
  return new Denial(
    413,
    'payload_too_large',
    'payload-too-large',
    'Payload too large',
    'The request body is larger than this API accepts.',
  );
}

/** undici refusing the request before anything reached the upstream. */
function isRefusedBeforeSending(error: unknown): boolean {
  return (
    error instanceof undiciErrors.InvalidArgumentError ||
    error instanceof undiciErrors.NotSupportedError ||
    error instanceof undiciErrors.RequestContentLengthMismatchError
  );
}

function upstreamDenial(error: unknown): Denial {
  if (
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    return new Denial(
      504,
      'upstream_timeout',
      'upstream-timeout',
      'Gateway timeout',
      'The upstream did not answer in time.',
    );
  }
  return new Denial(
    502,
    'upstream_error',
    'bad-gateway',
    'Bad gateway',
    'The upstream could not be reached.',
  );
}
