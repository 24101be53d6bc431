import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetailsFilter } from '@portcullis/nest-service';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { GatewayModule } from './gateway.module.js';
import { GatewayPipeline } from './pipeline/gateway-pipeline.js';
import { loadTlsMaterial } from './tls/tls-options.js';

const PROXIED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The paths Nest serves; everything else is proxied traffic. */
const OPERATIONS_PATHS = new Set([
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/.well-known/gateway-jwks.json',
  '/docs',
  '/docs-json',
  '/docs-yaml',
]);

export function isOperationsPath(url: string | undefined): boolean {
  if (!url) return false;
  const end = url.indexOf('?');
  const path = end === -1 ? url : url.slice(0, end);
  return OPERATIONS_PATHS.has(path) || path.startsWith('/docs/');
}

export interface GatewayServer {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Nest serves the operations endpoints (/healthz, /readyz, /openapi.json, the gateway JWKS);
 * every other path goes from the server's request listener straight to the policy pipeline (a
 * Fastify catch-all route stays as a fallback), with no body parsing (bodies stream to the
 * upstream). HTTPS with optional client certificates
 * (mTLS, for certificate-bound tokens) unless GATEWAY_PLAIN_HTTP=true.
 */
export async function createGatewayServer(
  config: GatewayConfig,
  logger: Logger,
): Promise<GatewayServer> {
  const tls = config.GATEWAY_PLAIN_HTTP
    ? null
    : await loadTlsMaterial(config.GATEWAY_TLS_CERT_FILE, config.GATEWAY_TLS_KEY_FILE);
  const late: { pipeline?: GatewayPipeline; closing: boolean } = { closing: false };
  const adapter = new FastifyAdapter({
    // Proxied requests skip Fastify and Nest (routing, hooks, middleware): the listener hands them
    // straight to the pipeline, which does its own routing. Only operations paths reach Nest.
    serverFactory: (fastifyHandler: RequestListener) => {
      const listener: RequestListener = (request, response) => {
        const pipeline = late.pipeline;
        if (!pipeline || isOperationsPath(request.url)) {
          fastifyHandler(request, response);
          return;
        }
        if (late.closing) {
          // Draining: finish what is in flight, tell keep-alive clients to reconnect elsewhere.
          response.shouldKeepAlive = false;
          pipeline.unavailable(randomUUID(), request, response, 'The gateway is shutting down.');
          return;
        }
        void pipeline.handle(randomUUID(), request, response);
      };
      const server = tls
        ? createHttpsServer(
            { key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false },
            listener,
          )
        : createServer(listener);
      // Fastify's defaults (it sets them only on servers it creates itself): keep-alive outlasts
      // the usual 60 s load-balancer idle timeout, so a balancer never reuses a connection the
      // gateway is closing. Node's own headersTimeout (60 s) still bounds slow headers.
      server.keepAliveTimeout = 72_000;
      return server;
    },
    trustProxy: false,
    // Our own id for every request: the access event and the upstream must not trust a client's.
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // Requests the HTTP parser refuses still get a problem response and an access event.
    clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => {
      if (late.pipeline) {
        late.pipeline.clientError(error, socket);
        return;
      }
      // Before the pipeline exists (start-up): a bare 400, then close.
      if (error.code !== 'ECONNRESET' && socket.writable) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      } else socket.destroy();
    },
    frameworkErrors: (error, request, reply) => {
      if (late.pipeline) {
        reply.hijack();
        late.pipeline.reject(
          request.id,
          request.raw as IncomingMessage,
          reply.raw as ServerResponse,
          'The request target is malformed.',
        );
        return;
      }
      const raw = reply.raw as ServerResponse;
      raw.writeHead(400, { 'content-type': 'application/problem+json' });
      raw.end(JSON.stringify({ status: 400, title: 'Bad request', detail: error.message }));
    },
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(config, logger),
    adapter,
    {
      logger: false,
      abortOnError: false,
    },
  );
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  // No enableShutdownHooks(): runGatewayServer owns the signals (Nest's handler would re-raise
  // the signal after closing and end the process before the exit code is set).
  const pipeline = app.get(GatewayPipeline);
  late.pipeline = pipeline;
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  await fastify.register(async (scope) => {
    // Leave bodies unread: the proxy streams them.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    scope.route({
      method: [...PROXIED_METHODS],
      url: '/*',
      handler: async (request, reply) => {
        reply.hijack();
        await pipeline.handle(
          request.id,
          request.raw as IncomingMessage,
          reply.raw as ServerResponse,
        );
      },
    });
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Portcullis gateway')
      .setDescription(
        'Operations endpoints of the data plane (the proxied APIs are documented by their owners).',
      )
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  await app.listen(config.GATEWAY_PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.GATEWAY_PORT;
  const url = `${tls ? 'https' : 'http'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  logger.info({ url, selfSignedTls: tls?.selfSigned ?? false }, 'gateway listening');
  return {
    app,
    url,
    close: () => {
      late.closing = true;
      return app.close();
    },
  };
}

export async function runGatewayServer(
  config: GatewayConfig,
  logger: Logger,
  telemetry: { shutdown(): Promise<void> },
): Promise<void> {
  const server = await createGatewayServer(config, logger);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests, flushing events');
    const force = setTimeout(() => {
      logger.warn('shutdown timed out; exiting');
      process.exit(1);
    }, config.GATEWAY_SHUTDOWN_TIMEOUT_MS);
    force.unref();
    // Keep-alive connections whose last request just finished would hold close() open until
    // their idle timeout: close each as soon as it goes idle.
    const httpServer = server.app.getHttpServer() as { closeIdleConnections?: () => void };
    const reaper = setInterval(() => httpServer.closeIdleConnections?.(), 100);
    reaper.unref();
    const started = Date.now();
    await server.close();
    logger.info({ ms: Date.now() - started }, 'server closed; events flushed');
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
