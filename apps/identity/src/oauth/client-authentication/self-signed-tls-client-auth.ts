import { createHash } from 'node:crypto';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import type { OAuthRequest } from '../oauth-request.js';

/**
 * `self_signed_tls_client_auth` (RFC 8705 §2.2): the client presents a certificate on the
 * mutual-TLS listener and names itself with `client_id`; the certificate is matched by its
 * SHA-256 thumbprint against the one registered (no PKI chain, so self-signed certificates work).
 */
export function selfSignedTlsClientAuthPresented(
  request: OAuthRequest,
  parameters: Map<string, string>,
): {
  method: 'self_signed_tls_client_auth';
  clientId: string;
  certificate: PeerCertificate;
} | null {
  const certificate = peerCertificate(request);
  const clientId = parameters.get('client_id');
  if (!certificate || clientId === undefined) return null;
  return { method: 'self_signed_tls_client_auth', clientId, certificate };
}

export function peerCertificate(request: OAuthRequest): PeerCertificate | null {
  const socket = request.socket;
  if (!(socket instanceof TLSSocket)) return null;
  const certificate = socket.getPeerCertificate();
  return certificate && certificate.raw ? certificate : null;
}

/** RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the DER certificate. */
export function certificateThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

export function certificateCurrentlyValid(certificate: PeerCertificate, now = new Date()): boolean {
  const from = Date.parse(certificate.valid_from);
  const to = Date.parse(certificate.valid_to);
  return (
    Number.isFinite(from) && Number.isFinite(to) && from <= now.getTime() && now.getTime() <= to
  );
}
