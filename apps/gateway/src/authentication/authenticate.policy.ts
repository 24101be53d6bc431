import type { IncomingHttpHeaders } from 'node:http';
import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { authenticateApiKey } from './api-key.js';
import { authenticateBasic } from './basic.js';
import { bearerChallenge, type BearerJwtVerifier, type PeerCertificate } from './bearer-jwt.js';
import { invalidCredential } from './credential-check.js';
import { Denial } from '../pipeline/denial.js';

/**
 * Picks the credential the request presents and checks it with the method the API allows:
 * `Authorization: Bearer` (oauth2), `X-API-Key` (api_key), `Authorization: Basic` (basic).
 */
export class AuthenticatePolicy {
  constructor(
    private readonly store: SnapshotStore,
    private readonly jwt: BearerJwtVerifier,
    private readonly hashKey: Buffer,
  ) {}

  async run(
    context: RequestContext,
    headers: IncomingHttpHeaders,
    certificate: PeerCertificate,
  ): Promise<void> {
    const api = context.api!.api;
    const authorization = headers.authorization;
    const apiKey = headers['x-api-key'];
    if (Array.isArray(apiKey)) throw invalidCredential('Send one X-API-Key header.');
    const allowed = api.authMethods;
    if (authorization) {
      const space = authorization.indexOf(' ');
      const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
      const value = space === -1 ? '' : authorization.slice(space + 1).trim();
      if (scheme === 'bearer' && allowed.includes('oauth2')) {
        if (value === '' || value.length > 8192) {
          throw bearerChallenge(401, 'invalid_token', 'invalid_token', 'The token is malformed.');
        }
        context.caller = await this.jwt.authenticate(this.store, value, api.audience, certificate);
        return;
      }
      if (scheme === 'basic' && allowed.includes('basic')) {
        context.caller = authenticateBasic(this.store, value, this.hashKey);
        return;
      }
      throw invalidCredential(`This API does not accept the ${scheme} scheme.`);
    }
    if (apiKey !== undefined) {
      if (!allowed.includes('api_key'))
        throw invalidCredential('This API does not accept API keys.');
      context.caller = authenticateApiKey(this.store, apiKey, this.hashKey);
      return;
    }
    throw new Denial(
      401,
      'no_credential',
      'unauthorized',
      'Unauthorized',
      'A credential is required.',
      {
        'www-authenticate': challengeFor(allowed),
      },
    );
  }
}

function challengeFor(methods: readonly string[]): string {
  const challenges: string[] = [];
  if (methods.includes('oauth2')) challenges.push('Bearer realm="portcullis"');
  if (methods.includes('basic')) challenges.push('Basic realm="portcullis", charset="UTF-8"');
  if (methods.includes('api_key')) challenges.push('ApiKey realm="portcullis", header="X-API-Key"');
  return challenges.join(', ') || 'Bearer realm="portcullis"';
}
