import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayAuthMethod } from '@portcullis/contracts';
import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { authenticateApiKey } from './api-key.js';
import { authenticateBasic } from './basic.js';
import { bearerChallenge, type BearerJwtVerifier, type PeerCertificate } from './bearer-jwt.js';
import { invalidCredential } from './credential-check.js';
import { Denial } from '../pipeline/denial.js';

/**
 * Picks the credential the request presents and checks it with the method the API allows:
 * `Authorization: Bearer` (oauth2), `X-API-Key` (api_key), `Authorization: Basic` (basic). Every
 * 401 names the schemes the API accepts (see `challenges`).
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
    const allowed = api.authMethods;
    // The try blocks cost nothing until something throws: challenges are built for refusals only.
    if (Array.isArray(apiKey)) {
      throw challenged(invalidCredential('Send one X-API-Key header.'), allowed, 'api_key');
    }
    if (authorization) {
      const space = authorization.indexOf(' ');
      const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
      const value = space === -1 ? '' : authorization.slice(space + 1).trim();
      if (scheme === 'bearer' && allowed.includes('oauth2')) {
        try {
          if (value.length > 8192) {
            throw bearerChallenge(401, 'invalid_token', 'invalid_token', 'The token is malformed.');
          }
          context.caller = await this.jwt.authenticate(
            this.store,
            value,
            api.audience,
            certificate,
          );
        } catch (error) {
          throw challenged(error, allowed, 'oauth2');
        }
        return;
      }
      if (scheme === 'basic' && allowed.includes('basic')) {
        try {
          context.caller = authenticateBasic(this.store, value, this.hashKey);
        } catch (error) {
          throw challenged(error, allowed, 'basic');
        }
        return;
      }
      throw challenged(
        invalidCredential(`This API does not accept the ${scheme} scheme.`),
        allowed,
        null,
      );
    }
    if (apiKey !== undefined) {
      try {
        if (!allowed.includes('api_key')) {
          throw invalidCredential('This API does not accept API keys.');
        }
        context.caller = authenticateApiKey(this.store, apiKey, this.hashKey);
      } catch (error) {
        throw challenged(error, allowed, 'api_key');
      }
      return;
    }
    throw new Denial(
      401,
      'no_credential',
      'unauthorized',
      'Unauthorized',
      'A credential is required.',
      { 'www-authenticate': challenges(allowed, null) },
    );
  }
}

const SCHEME_CHALLENGES: Record<GatewayAuthMethod, string> = {
  oauth2: 'Bearer realm="portcullis"',
  basic: 'Basic realm="portcullis", charset="UTF-8"',
  // No registered scheme for API keys: a descriptive one naming the header, as Kong (`Key`) and
  // others (`ApiKey`) do. Clients match scheme names case-insensitively (RFC 9110 §11.1).
  api_key: 'ApiKey realm="portcullis", header="X-API-Key"',
};
const SCHEME_ORDER: readonly GatewayAuthMethod[] = ['oauth2', 'basic', 'api_key'];

/**
 * A 401's `WWW-Authenticate` (RFC 9110 §11.6.1): a challenge for each scheme the API accepts, the
 * presented credential's first when the API accepts it. `bearer` stands in for the plain Bearer
 * challenge: the verifier's, with RFC 6750 `error` attributes, only when a token was presented.
 */
export function challenges(
  accepted: readonly GatewayAuthMethod[],
  presented: GatewayAuthMethod | null,
  bearer = SCHEME_CHALLENGES.oauth2,
): string {
  const parts: string[] = [];
  const add = (method: GatewayAuthMethod) => {
    if (accepted.includes(method)) {
      parts.push(method === 'oauth2' ? bearer : SCHEME_CHALLENGES[method]);
    }
  };
  if (presented) add(presented);
  for (const method of SCHEME_ORDER) if (method !== presented) add(method);
  // An API with no method at all refuses everything; a 401 still needs one challenge.
  return parts.join(', ') || SCHEME_CHALLENGES.oauth2;
}

/** A 401 with the API's challenges; other refusals (400, 503) and errors pass unchanged. */
function challenged(
  error: unknown,
  accepted: readonly GatewayAuthMethod[],
  presented: GatewayAuthMethod | null,
): unknown {
  if (!(error instanceof Denial) || error.status !== 401) return error;
  const bearer = presented === 'oauth2' ? error.headers['www-authenticate'] : undefined;
  return new Denial(error.status, error.reason, error.slug, error.title, error.detail, {
    ...error.headers,
    'www-authenticate': challenges(accepted, presented, bearer),
  });
}
