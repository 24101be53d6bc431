import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What the OAuth endpoints read from a request. A Fastify request has this shape, and so does the
 * token endpoint's fast path, which serves `POST /oauth2/token` straight from Node's listener.
 */
export interface OAuthRequest {
  readonly headers: IncomingHttpHeaders;
  /** The caller's address (the socket's peer: identity does not trust proxy headers). */
  readonly ip: string;
  readonly url: string;
  readonly socket: Socket;
}
