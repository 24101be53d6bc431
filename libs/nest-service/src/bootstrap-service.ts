import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { problemType, type ProblemDetails } from './problem-details.js';

export interface ServiceOptions {
  module: Type<unknown> | DynamicModule;
  serviceName: string;
  logger: Logger;
  host: string;
  port: number;
  openapi?: { title: string; description: string; version: string };
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Called on the document before it is served, to add what decorators cannot express. */
  extendOpenApi?: (document: OpenAPIObject) => OpenAPIObject;
  /**
   * Addresses or CIDR ranges of proxies whose X-Forwarded-For is believed (request.ip is then the
   * client they name); empty or unset trusts none.
   */
  trustProxy?: string[];
  /**
   * A hot route served from Node's request listener, before Fastify and Nest (routing, hooks,
   * body parsing) see the request. Built once the application exists, so it can use providers.
   */
  interceptRequests?: (app: NestFastifyApplication) => RequestInterceptor;
}

/** Answers a request itself and returns true, or returns false to hand it to Fastify. */
export type RequestInterceptor = (request: IncomingMessage, response: ServerResponse) => boolean;

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** Keep a caller's request id when it is well-formed, so traces join up across services. */
export function requestIdFor(headers: IncomingHttpHeaders): string {
  const incoming = headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)
    ? incoming
    : randomUUID();
}

/** Builds a NestJS service on Fastify with problem+json errors, request ids, OpenAPI and graceful shutdown. */
export async function createService(options: ServiceOptions): Promise<NestFastifyApplication> {
  // Set once the application exists; requests before that all go to Fastify.
  const late: { intercept?: RequestInterceptor } = {};
  const adapter = new FastifyAdapter({
    ...(options.interceptRequests
      ? {
          serverFactory: (
            fastifyHandler: RequestListener,
            fastifyOptions: Record<string, unknown>,
          ) => {
            const server = createServer(fastifyHandler);
            // Intercepted requests are taken before the 'request' event is emitted, so generic
            // instrumentation wrapping `emit` (OpenTelemetry's http) costs them nothing: they
            // make their own spans.
            const emit = server.emit;
            server.emit = function (this: Server, event: string, ...args: unknown[]) {
              if (event === 'request') {
                const [request, response] = args as [IncomingMessage, ServerResponse];
                if (late.intercept?.(request, response)) return true;
              }
              return emit.apply(this, [event, ...args] as Parameters<Server['emit']>);
            } as Server['emit'];
            // What Fastify sets on the servers it creates itself.
            const { keepAliveTimeout, requestTimeout, connectionTimeout } = fastifyOptions;
            if (typeof keepAliveTimeout === 'number') server.keepAliveTimeout = keepAliveTimeout;
            if (typeof requestTimeout === 'number') server.requestTimeout = requestTimeout;
            if (typeof connectionTimeout === 'number') server.setTimeout(connectionTimeout);
            return server;
          },
        }
      : {}),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy?.length ? options.trustProxy : false,
    genReqId: (request: { headers: IncomingHttpHeaders }) => requestIdFor(request.headers),
    // Errors Fastify's router raises before any route runs (a path parameter over its length
    // limit, an undecodable URL) are problems like every other error, not Fastify's own JSON.
    frameworkErrors: (
      error: { statusCode?: number },
      request: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const status = error.statusCode ?? 400;
      void reply
        .code(status)
        .type('application/problem+json')
        .header('x-request-id', request.id)
        .send({
          type: problemType(status === 414 ? 'uri-too-long' : 'bad-request'),
          title: status === 414 ? 'URI too long' : 'Bad request',
          status,
          detail: status === 414 ? 'A path segment is too long.' : 'The URL is malformed.',
          requestId: request.id,
        } satisfies ProblemDetails);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
    logger: nestLogger(options.logger),
    bufferLogs: false,
    // Throw start-up errors to the caller instead of exiting the process.
    abortOnError: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(options.logger));
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  if (options.openapi) serveOpenApi(app, options);
  late.intercept = options.interceptRequests?.(app);
  return app;
}

export async function startService(options: ServiceOptions): Promise<NestFastifyApplication> {
  const app = await createService(options);
  await app.listen(options.port, options.host);
  options.logger.info(
    { url: `http://${options.host}:${options.port}` },
    `${options.serviceName} listening`,
  );
  return app;
}

function serveOpenApi(app: INestApplication, options: ServiceOptions): void {
  const openapi = options.openapi!;
  const config = new DocumentBuilder()
    .setTitle(openapi.title)
    .setDescription(openapi.description)
    .setVersion(openapi.version)
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const finalDocument = options.extendOpenApi ? options.extendOpenApi(document) : document;
  SwaggerModule.setup('docs', app, finalDocument, { jsonDocumentUrl: 'openapi.json' });
}

/** Routes Nest's own log lines into pino, so every line is JSON with the trace id. */
function nestLogger(logger: Logger) {
  return {
    log: (message: unknown, context?: string) => logger.debug({ context }, String(message)),
    error: (message: unknown, trace?: string, context?: string) =>
      logger.error({ context, trace }, String(message)),
    warn: (message: unknown, context?: string) => logger.warn({ context }, String(message)),
    debug: (message: unknown, context?: string) => logger.debug({ context }, String(message)),
    verbose: (message: unknown, context?: string) => logger.trace({ context }, String(message)),
  };
}
