import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { CONFIG, LOGGER, type RequestInterceptor } from '@portcullis/nest-service';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config.js';
import { TOKEN_FAST_PATH } from './token-fast-path.token.js';

/**
 * A second listener, HTTPS, that asks for client certificates (RFC 8705). Certificates are not
 * checked against a CA (`rejectUnauthorized: false`): self-signed ones are matched by thumbprint
 * at authentication. It serves the same routes; metadata advertises it as `mtls_endpoint_aliases`
 * (RFC 8705 §5) so plain clients never meet a certificate request.
 */
@Injectable()
export class MtlsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;
  private url: string | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Base URL of the mutual-TLS listener, or null when TLS is not configured. */
  get baseUrl(): string | null {
    return this.url;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { IDENTITY_TLS_CERT_FILE: certFile, IDENTITY_TLS_KEY_FILE: keyFile } = this.config;
    if (!certFile || !keyFile) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    await fastify.ready();
    // Looked up, not injected: the token endpoint itself depends on this listener's URL.
    const tokenFastPath = this.moduleRef.get<{ intercept: RequestInterceptor }>(TOKEN_FAST_PATH, {
      strict: false,
    });
    const server = createServer(
      {
        cert: readFileSync(certFile),
        key: readFileSync(keyFile),
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
      (request, response) => {
        if (tokenFastPath.intercept(request, response)) return;
        fastify.routing(request, response);
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.IDENTITY_MTLS_PORT, this.config.HOST, () => resolve());
    });
    this.server = server;
    const address = server.address();
    const port =
      typeof address === 'object' && address ? address.port : this.config.IDENTITY_MTLS_PORT;
    this.url =
      this.config.IDENTITY_MTLS_URL?.replace(/\/+$/, '') ??
      `https://${new URL(this.config.IDENTITY_ISSUER).hostname}:${port}`;
    this.logger.info({ url: this.url }, 'mutual-TLS listener ready');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
