import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import {
  context as otelContext,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { getTracer } from '@portcullis/telemetry';
import type { Logger } from 'pino';
import type { AccessEventRecorder } from '../access-log/access-event-recorder.js';
import type { AuthenticatePolicy } from '../authentication/authenticate.policy.js';
import type { SubscriptionPolicy } from '../authorization/subscription.policy.js';
import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import { corsPolicy } from '../cors/cors.policy.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { mergedVary } from '../proxy/forward-headers.js';
import { payloadTooLarge, type ProxyPolicy } from '../proxy/proxy.js';
import type { RateLimitPolicy } from '../rate-limiting/rate-limit.policy.js';
import { ResponseCache, type CachedResponse } from '../response-cache/response-cache.js';
import type { ThreatProtectionPolicy } from '../threat-protection/threat-protection.policy.js';
import { normalizeTarget } from '../routing/normalize-path.js';
import { CASE_AMBIGUOUS, matchRoute } from '../routing/route-matcher.js';
import { Denial, denials } from './denial.js';
import { problemType } from '@portcullis/nest-service';
import { sendProblem } from './problem-response.js';
import type { RequestContext } from './request-context.js';

export interface PipelinePolicies {
  store: SnapshotStore;
  authenticate: AuthenticatePolicy;
  subscription: SubscriptionPolicy;
  rateLimit: RateLimitPolicy;
  threatProtection: ThreatProtectionPolicy;
  proxy: ProxyPolicy;
  cache: ResponseCache;
  events: AccessEventRecorder;
  metrics: GatewayMetrics;
  logger: Logger;
}

/**
 * Each response's request context, for a parser error that arrives mid-way: a property, not a
 * WeakMap entry per request (whose ephemerons every scavenge has to trace).
 */
const REQUEST_CONTEXT = Symbol('portcullis.requestContext');
type ResponseInProgress = ServerResponse & { [REQUEST_CONTEXT]?: RequestContext };

/**
 * The data plane, as a straight line of policies (Kong style): source block → path → API →
 * CORS → route → limits → authentication → authorization → rate limit → threat protection → proxy. Any policy may
 * refuse with a Denial; every request ends in exactly one access event.
 */
export class GatewayPipeline {
  readonly #tracer = getTracer('portcullis-gateway');

  constructor(private readonly policies: PipelinePolicies) {}

  /** Starts a request's context and arranges its single access event. */
  begin(requestId: string, request: IncomingMessage, response: ServerResponse): RequestContext {
    const rawTarget = request.url ?? '/';
    const queryStart = rawTarget.indexOf('?');
    const userAgent = request.headers['user-agent'];
    const context: RequestContext = {
      requestId,
      startedAt: process.hrtime.bigint(),
      trace: ROOT_CONTEXT,
      method: request.method ?? 'GET',
      path: (queryStart === -1 ? rawTarget : rawTarget.slice(0, queryStart)).slice(0, 2048),
      query: '',
      sourceIp: clientAddress(request),
      userAgent: typeof userAgent === 'string' ? userAgent : null,
      clientCertThumbprint: null,
      api: null,
      route: null,
      apiPath: '/',
      caller: null,
      subscriptionId: null,
      plan: null,
      scopes: [],
      corsOrigin: null,
      responseHeaders: {},
      status: 500,
      reason: 'upstream_error',
      upstreamMs: null,
      bytesIn: 0,
      bytesOut: 0,
      cache: null,
    };
    // One server span per request, child of the caller's W3C trace context when it sends one. The
    // gateway makes it itself (the generic http instrumentation is off for its server): that
    // costs a fraction, and the span carries the decision.
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = this.#tracer.startSpan(
      context.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': context.method } },
      parent,
    );
    context.trace = trace.setSpan(parent, span);
    (response as ResponseInProgress)[REQUEST_CONTEXT] = context;
    const spanContext = span.spanContext();
    const traceId = isSpanContextValid(spanContext) ? spanContext.traceId : null;
    response.once('close', () => {
      const totalMs = Number(process.hrtime.bigint() - context.startedAt) / 1e6;
      this.policies.events.record(context, totalMs, traceId);
      this.policies.metrics.record(context, totalMs);
      if (span.isRecording()) {
        if (context.route) {
          const route = `${context.api!.api.basePath}${context.route.route.pathPattern}`;
          span.updateName(`${context.method} ${route}`);
          span.setAttribute('http.route', route);
        }
        span.setAttribute('http.response.status_code', context.status);
        span.setAttribute('portcullis.decision', context.reason === 'ok' ? 'allow' : 'deny');
        span.setAttribute('portcullis.reason', context.reason);
        if (context.api) span.setAttribute('portcullis.api', context.api.api.slug);
        if (context.cache) span.setAttribute('portcullis.cache', context.cache);
        if (context.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
    return context;
  }

  async handle(
    requestId: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const context = this.begin(requestId, request, response);
    try {
      await this.#run(context, request, response);
    } catch (error) {
      if (error instanceof Denial) {
        sendProblem(response, context, error);
        return;
      }
      otelContext.with(context.trace, () =>
        this.policies.logger.error({ err: error, requestId }, 'gateway pipeline failed'),
      );
      sendProblem(
        response,
        context,
        new Denial(
          500,
          'upstream_error',
          'internal',
          'Internal server error',
          'An unexpected error occurred.',
        ),
      );
    }
  }

  /** For requests Fastify refused before routing (malformed URL): still a problem and an event. */
  reject(
    requestId: string,
    request: IncomingMessage,
    response: ServerResponse,
    detail: string,
  ): void {
    const context = this.begin(requestId, request, response);
    sendProblem(response, context, denials.badRequest(detail));
  }

  /**
   * Requests Node's HTTP parser refused before any handler ran (a raw NUL or other invalid byte
   * in a header, headers over the size limit, a malformed request line, a request that took too
   * long): a problem response (431 for oversized headers, 408 for a timeout, else 400), the
   * connection closed, and one access event (deny, `bad_request`). Only the request line's
   * method and path (no query) are read from what arrived; header bytes are never logged or
   * recorded.
   */
  clientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
    // A reset connection has nobody to answer and sent no request.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    // The error came after a request began (a broken chunked body, a body still arriving at the
    // request timeout): that request's own event is the one access event, and no bare answer may
    // be written onto a socket that may already carry its response.
    const inProgress = (socket as Partial<{ _httpMessage: ServerResponse | null }>)._httpMessage;
    const begun = inProgress ? (inProgress as ResponseInProgress)[REQUEST_CONTEXT] : undefined;
    if (inProgress && begun) {
      if (!inProgress.headersSent) {
        begun.status = status;
        begun.reason = 'bad_request';
      }
      socket.destroy();
      return;
    }
    const line = requestLine(error.rawPacket);
    const remote = (socket as Partial<{ remoteAddress: string }>).remoteAddress ?? '';
    const context: RequestContext = {
      requestId: randomUUID(),
      startedAt: process.hrtime.bigint(),
      trace: ROOT_CONTEXT,
      method: line.method,
      path: line.path,
      query: '',
      sourceIp: remote.startsWith('::ffff:') ? remote.slice(7) : remote,
      userAgent: null,
      clientCertThumbprint: null,
      api: null,
      route: null,
      apiPath: '/',
      caller: null,
      subscriptionId: null,
      plan: null,
      scopes: [],
      corsOrigin: null,
      responseHeaders: {},
      status,
      reason: 'bad_request',
      upstreamMs: null,
      bytesIn: 0,
      bytesOut: 0,
      cache: null,
    };
    const detail =
      status === 431
        ? 'The request headers are too large.'
        : status === 408
          ? 'The request took too long to arrive.'
          : 'The request is not valid HTTP.';
    const body = JSON.stringify({
      type: problemType(status === 431 ? 'headers-too-large' : 'bad-request'),
      title: STATUS_CODES[status],
      status,
      detail,
      requestId: context.requestId,
    });
    context.bytesOut = Buffer.byteLength(body);
    this.policies.logger.debug(
      { code: error.code, requestId: context.requestId, sourceIp: context.sourceIp },
      'HTTP parser refused a request',
    );
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          'Content-Type: application/problem+json; charset=utf-8\r\n' +
          `Content-Length: ${context.bytesOut}\r\n` +
          'Cache-Control: no-store\r\n' +
          `X-Request-Id: ${context.requestId}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
      setTimeout(() => socket.destroy(), 1_000).unref();
    } else {
      socket.destroy();
    }
    const totalMs = Number(process.hrtime.bigint() - context.startedAt) / 1e6;
    this.policies.events.record(context, totalMs, null);
    this.policies.metrics.record(context, totalMs);
  }

  /** While shutting down: new requests on kept-alive connections get 503 (and an event). */
  unavailable(
    requestId: string,
    request: IncomingMessage,
    response: ServerResponse,
    detail: string,
  ): void {
    const context = this.begin(requestId, request, response);
    sendProblem(
      response,
      context,
      denials.unavailable('upstream_error', detail, { 'retry-after': '1' }),
    );
  }

  async #run(
    context: RequestContext,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const { store } = this.policies;
    if (!store.loaded) {
      throw denials.unavailable(
        'upstream_error',
        'The gateway has not loaded its configuration yet.',
        { 'retry-after': '1' },
      );
    }
    if (store.isBlocked(context.sourceIp)) {
      throw new Denial(
        403,
        'blocked_source',
        'forbidden',
        'Forbidden',
        'Requests from this address are blocked.',
      );
    }
    const target = normalizeTarget(request.url ?? '/');
    if (!target.ok) throw denials.badRequest(target.problem);
    context.path = target.path;
    context.query = target.query;

    const found = store.apiFor(target.path);
    if (!found) throw denials.notFound();
    context.api = found.api;
    context.apiPath = found.rest;

    const preflight = corsPolicy(context, request.headers);
    const requested = request.headers['access-control-request-method'];
    const routeMethod =
      preflight && typeof requested === 'string' ? requested.toUpperCase() : context.method;
    const route = matchRoute(found.api.routes, routeMethod, found.rest);
    if (route === CASE_AMBIGUOUS) {
      throw denials.badRequest(
        'The path differs from one of this API’s routes only in letter case; use the route’s own spelling.',
      );
    }
    if (!route) throw denials.notFound();
    context.route = route;
    if (preflight) {
      context.status = 204;
      context.reason = 'ok';
      response.writeHead(204, {
        ...context.responseHeaders,
        ...preflight,
        'x-request-id': context.requestId,
      });
      response.end();
      return;
    }

    const settings = found.api.api.settings;
    if (headerBytes(request.rawHeaders) > settings.maxHeaderBytes) {
      throw new Denial(
        431,
        'bad_request',
        'headers-too-large',
        'Request header fields too large',
        'The request headers are too large.',
      );
    }
    const length = request.headers['content-length'];
    if (length !== undefined && Number(length) > settings.maxBodyBytes) throw payloadTooLarge();

    const socket = request.socket as Partial<TLSSocket>;
    // Parsing the peer certificate costs an X.509 decode: only certificate-bound tokens need it.
    const peerCertificate = () =>
      socket.encrypted && socket.getPeerX509Certificate
        ? (socket.getPeerX509Certificate() ?? null)
        : null;
    await this.policies.authenticate.run(context, request.headers, peerCertificate);
    this.policies.subscription.run(context);
    // Usually cached; when not, signing (a crypto worker job) overlaps the rate limit.
    const assertion = this.policies.proxy.assertion(context);
    if (typeof assertion !== 'string') assertion.catch(() => undefined);
    const limiting = this.policies.rateLimit.run(context);
    if (limiting) await limiting;
    const body = await this.policies.threatProtection.run(context, request);
    const cache = this.policies.cache.applies(context) ? this.policies.cache : null;
    const hit = cache?.lookup(context, request.headers);
    if (hit) {
      serveCached(context, response, hit);
      return;
    }
    await this.policies.proxy.run(
      context,
      request,
      response,
      socket.encrypted === true,
      body,
      assertion,
      cache,
    );
  }
}

/** A response from the cache: no upstream call, still one access event (upstream latency null). */
function serveCached(context: RequestContext, response: ServerResponse, hit: CachedResponse): void {
  context.status = hit.status;
  context.reason = 'ok';
  context.cache = 'hit';
  const ours = context.responseHeaders;
  response.writeHead(hit.status, {
    ...hit.headers,
    ...ours,
    ...(ours.vary !== undefined && hit.headers.vary !== undefined
      ? { vary: mergedVary(hit.headers.vary, ours.vary) }
      : {}),
    age: String(ResponseCache.age(hit)),
    'x-cache': 'HIT',
    'x-request-id': context.requestId,
  });
  context.bytesOut = hit.body.length;
  response.end(hit.body);
}

/**
 * Method and path (query dropped) of the first line of what the parser saw, when they look like
 * a request line; placeholders otherwise.
 */
function requestLine(raw: Buffer | undefined): { method: string; path: string } {
  const unknown = { method: 'UNKNOWN', path: '' };
  if (!raw) return unknown;
  const head = raw.subarray(0, 2200).toString('latin1');
  const end = head.search(/\r?\n/);
  const [method, target] = (end === -1 ? head : head.slice(0, end)).split(' ');
  if (!method || !/^[A-Z]{1,16}$/.test(method)) return unknown;
  if (!target || !/^\/[\x21-\x7e]*$/.test(target)) return { method, path: '' };
  const query = target.indexOf('?');
  return { method, path: (query === -1 ? target : target.slice(0, query)).slice(0, 2048) };
}

function clientAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function headerBytes(rawHeaders: readonly string[]): number {
  let total = 0;
  for (const part of rawHeaders) total += part.length + 2;
  return total;
}
