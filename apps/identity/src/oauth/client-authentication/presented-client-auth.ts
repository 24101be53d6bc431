import type { PeerCertificate } from 'node:tls';
import type { OAuthRequest } from '../oauth-request.js';
import { InvalidClientError, InvalidRequestError } from '../oauth-errors.js';
import { clientSecretBasic } from './client-secret-basic.js';
import { clientSecretPost } from './client-secret-post.js';
import { privateKeyJwtPresented } from './private-key-jwt.js';
import { selfSignedTlsClientAuthPresented } from './self-signed-tls-client-auth.js';

/** The client authentication methods, as named in RFC 8414 metadata. */
export type ClientAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'self_signed_tls_client_auth';

export type PresentedClientAuth =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string }
  | { method: 'self_signed_tls_client_auth'; clientId: string; certificate: PeerCertificate };

/** Client ids we issue are short; anything longer is refused before it reaches a query or a log. */
export const MAX_CLIENT_ID_LENGTH = 128;

/**
 * Works out which client authentication the request carries. Exactly one method is allowed
 * (RFC 6749 §2.3): two → invalid_request; none → invalid_client.
 */
export function presentedClientAuth(
  request: OAuthRequest,
  parameters: Map<string, string>,
): PresentedClientAuth {
  const candidates = [
    clientSecretBasic(request),
    clientSecretPost(parameters),
    privateKeyJwtPresented(parameters),
  ].filter((candidate) => candidate !== null);
  if (candidates.length > 1) {
    throw new InvalidRequestError('Use exactly one client authentication method.');
  }
  let presented: PresentedClientAuth | null = candidates[0] ?? null;
  // Mutual TLS is the method only when nothing else is presented: a certificate may also be
  // sent by clients that authenticate otherwise.
  presented ??= selfSignedTlsClientAuthPresented(request, parameters);
  if (!presented) {
    throw new InvalidClientError('Client authentication is required.');
  }
  const bodyClientId = parameters.get('client_id');
  if (bodyClientId !== undefined && bodyClientId !== presented.clientId) {
    throw new InvalidRequestError('client_id does not match the authenticated client.');
  }
  if (!presented.clientId) throw new InvalidRequestError('client_id is required.');
  if (presented.clientId.length > MAX_CLIENT_ID_LENGTH) {
    throw new InvalidClientError();
  }
  return presented;
}
