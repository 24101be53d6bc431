import { Injectable } from '@nestjs/common';
import { apiAudience } from '@portcullis/contracts';
import type { AuthenticatedClient } from './client-authentication/client-authenticator.js';
import {
  ClientCredentialStore,
  type SubscribedApi,
} from './client-authentication/client-credential-store.js';
import {
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  UnauthorizedClientError,
} from './oauth-errors.js';

/** RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const AUDIENCE_PREFIX = apiAudience('');

export interface GrantDecision {
  apiId: string;
  audience: string;
  scopes: string[];
  lifetimeSeconds: number;
}

/**
 * The client_credentials grant (RFC 6749 §4.4) policy: which API the token is for (RFC 8707
 * `resource`, or `audience`), which scopes (a subset of what the approved subscription in the
 * credential's environment grants), and for how long.
 */
@Injectable()
export class ClientCredentialsGrant {
  constructor(private readonly store: ClientCredentialStore) {}

  async decide(
    client: AuthenticatedClient,
    parameters: Map<string, string>,
    defaultLifetimeSeconds: number,
    maxLifetimeSeconds: number,
  ): Promise<GrantDecision> {
    const requestedAudience = this.requestedAudience(parameters);
    const requestedScopes = this.requestedScopes(parameters);
    const rows = await this.store.subscribedApis(
      client.credential.applicationId,
      client.credential.environment,
      client.configVersion,
    );
    if (rows.length === 0) {
      throw new UnauthorizedClientError(
        `The application has no approved subscription in ${client.credential.environment}.`,
      );
    }
    let row: SubscribedApi | undefined;
    if (requestedAudience === null) {
      if (rows.length > 1) {
        throw new InvalidRequestError(
          'The application is subscribed to several APIs: name one with resource or audience.',
        );
      }
      row = rows[0];
    } else {
      row = rows.find((candidate) => apiAudience(candidate.slug) === requestedAudience);
      if (!row) {
        throw new InvalidTargetError(
          'The requested resource is unknown or not subscribed in this environment.',
        );
      }
    }
    const api = row!;
    // An API that lists its methods must allow OAuth tokens; an empty list means "not restricted".
    if (api.authMethods.length > 0 && !api.authMethods.includes('oauth2_client_credentials')) {
      throw new UnauthorizedClientError('This API does not accept OAuth2 access tokens.');
    }
    let scopes = api.grantedScopes;
    if (requestedScopes !== null) {
      const granted = new Set(api.grantedScopes);
      const refused = requestedScopes.filter((scope) => !granted.has(scope));
      if (refused.length > 0) {
        throw new InvalidScopeError('The requested scope exceeds what the subscription grants.');
      }
      scopes = requestedScopes;
    }
    const lifetime =
      api.tokenLifetimeSeconds > 0 ? api.tokenLifetimeSeconds : defaultLifetimeSeconds;
    return {
      apiId: api.apiId,
      audience: apiAudience(api.slug),
      scopes,
      lifetimeSeconds: Math.min(lifetime, maxLifetimeSeconds),
    };
  }

  private requestedAudience(parameters: Map<string, string>): string | null {
    const resource = parameters.get('resource');
    const audience = parameters.get('audience');
    if (resource !== undefined && audience !== undefined && resource !== audience) {
      throw new InvalidRequestError('resource and audience disagree.');
    }
    const value = resource ?? audience ?? null;
    if (value !== null && (!value.startsWith(AUDIENCE_PREFIX) || value.length > 300)) {
      throw new InvalidTargetError('The requested resource is not an API of this server.');
    }
    return value;
  }

  private requestedScopes(parameters: Map<string, string>): string[] | null {
    const scope = parameters.get('scope');
    if (scope === undefined || scope === '') return null;
    const scopes = [...new Set(scope.split(' ').filter((part) => part !== ''))];
    // Only spaces is not "no scope asked for" (which grants every subscribed scope): malformed.
    if (
      scopes.length === 0 ||
      scopes.length > 100 ||
      !scopes.every((part) => SCOPE_TOKEN.test(part))
    ) {
      throw new InvalidScopeError('The scope parameter is malformed.');
    }
    return scopes;
  }
}
