import { Inject, Injectable } from '@nestjs/common';
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { decodeHashKey, safeEqual } from '@portcullis/crypto';
import { Prisma, type PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA } from '@portcullis/nest-service';
import type { JSONWebKeySet } from 'jose';
import type { OAuthRequest } from '../oauth-request.js';
import { ManagementEvents } from '../../audit-trail/management-events.js';
import type { IdentityConfig } from '../../config.js';
import { InvalidClientError, OAuthError, TooManyAttemptsError } from '../oauth-errors.js';
import { ClientAuthThrottle } from './client-auth-throttle.js';
import { ClientCredentialStore, type ClientCredential } from './client-credential-store.js';
import {
  presentedClientAuth,
  type ClientAuthMethod,
  type PresentedClientAuth,
} from './presented-client-auth.js';
import { verifyClientAssertion } from './private-key-jwt.js';
import { certificateCurrentlyValid, certificateThumbprint } from './self-signed-tls-client-auth.js';

export interface AuthenticatedClient {
  clientId: string;
  method: ClientAuthMethod;
  credential: ClientCredential;
  /** Set for mutual-TLS clients: tokens get bound to this certificate (RFC 8705 §3). */
  certificateThumbprint: string | null;
  /** The config version the credential was read at. */
  configVersion: string;
}

/** What the authenticator needs from the endpoint that calls it. */
export interface ClientAuthContext {
  /** Acceptable `aud` values of a private_key_jwt assertion at this endpoint. */
  assertionAudiences: string[];
}

/**
 * Authenticates the client of an OAuth request with whichever single method it presents,
 * counting failures against per-client and per-address limits and reporting them as
 * `client_auth.failed` events.
 */
@Injectable()
export class ClientAuthenticator {
  /** The hashing key imported once: `keyedHash` re-imports a Buffer key on every call. */
  private readonly hashKey: KeyObject;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) config: IdentityConfig,
    private readonly store: ClientCredentialStore,
    private readonly throttle: ClientAuthThrottle,
    private readonly events: ManagementEvents,
  ) {
    this.hashKey = createSecretKey(decodeHashKey(config.CREDENTIAL_HASH_KEY));
  }

  async authenticate(
    request: OAuthRequest,
    parameters: Map<string, string>,
    context: ClientAuthContext,
  ): Promise<AuthenticatedClient> {
    let presented: PresentedClientAuth;
    try {
      presented = presentedClientAuth(request, parameters);
    } catch (error) {
      if (error instanceof InvalidClientError) await this.failed(request, null, null, error);
      throw error;
    }
    const blocked = this.throttle.blockedFor(presented.clientId, request.ip);
    if (blocked !== null) throw new TooManyAttemptsError(blocked);
    try {
      const authenticated = await this.verify(presented, context);
      if (!authenticated) throw new InvalidClientError();
      this.store.touch(authenticated.credential);
      return authenticated;
    } catch (error) {
      if (!(error instanceof InvalidClientError)) throw error;
      await this.failed(request, presented.clientId, presented.method, error);
      throw error;
    }
  }

  private async verify(
    presented: PresentedClientAuth,
    context: ClientAuthContext,
  ): Promise<AuthenticatedClient | null> {
    const { version, credentials } = await this.store.usableCredentials(presented.clientId);
    switch (presented.method) {
      case 'client_secret_basic':
      case 'client_secret_post': {
        // Same HMAC-SHA-256 as `keyedHash` from @portcullis/crypto, with the prepared key.
        const presentedHash = createHmac('sha256', this.hashKey)
          .update(presented.secret, 'utf8')
          .digest('base64url');
        let match: ClientCredential | null = null;
        // Compare with every candidate (two during a rotation) so timing reveals nothing.
        for (const credential of credentials) {
          if (credential.kind !== 'client_secret' || !credential.secretHash) continue;
          if (safeEqual(presentedHash, credential.secretHash)) match = credential;
        }
        return match && this.result(presented, match, null, version);
      }
      case 'private_key_jwt': {
        const candidates = credentials.filter(
          (credential) => credential.kind === 'private_key_jwt',
        );
        for (const credential of candidates) {
          const verified = await verifyClientAssertion(
            presented.assertion,
            presented.clientId,
            [credential.jwks as JSONWebKeySet],
            context.assertionAudiences,
          );
          if (!verified) continue;
          await this.rememberAssertion(presented.clientId, verified.jti, verified.expiresAt);
          return this.result(presented, credential, null, version);
        }
        return null;
      }
      case 'self_signed_tls_client_auth': {
        if (!certificateCurrentlyValid(presented.certificate)) {
          throw new InvalidClientError('The client certificate is not valid now.');
        }
        const thumbprint = certificateThumbprint(presented.certificate.raw);
        let match: ClientCredential | null = null;
        for (const credential of credentials) {
          if (credential.kind !== 'tls_client_auth' || !credential.certificateThumbprint) continue;
          if (safeEqual(thumbprint, credential.certificateThumbprint)) match = credential;
        }
        return match && this.result(presented, match, thumbprint, version);
      }
    }
  }

  /** RFC 7523 §3: a jti is accepted once; the row lives until the assertion expires. */
  private async rememberAssertion(clientId: string, jti: string, expiresAt: Date): Promise<void> {
    try {
      await this.prisma.clientAssertionJti.create({ data: { clientId, jti, expiresAt } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new InvalidClientError('The client assertion was already used.');
      }
      throw error;
    }
    // Opportunistic purge of expired jtis; cheap with the expires_at index.
    if (Math.random() < 0.01) {
      void this.prisma.clientAssertionJti
        .deleteMany({ where: { expiresAt: { lt: new Date() } } })
        .catch(() => undefined);
    }
  }

  private result(
    presented: PresentedClientAuth,
    credential: ClientCredential,
    thumbprint: string | null,
    configVersion: string,
  ): AuthenticatedClient {
    return {
      configVersion,
      clientId: presented.clientId,
      method: presented.method,
      credential,
      certificateThumbprint: thumbprint,
    };
  }

  private async failed(
    request: OAuthRequest,
    clientId: string | null,
    method: ClientAuthMethod | null,
    error: OAuthError,
  ): Promise<void> {
    const wait = await this.throttle.recordFailure(clientId, request.ip);
    const userAgent = request.headers['user-agent'];
    this.events.publish({
      action: 'client_auth.failed',
      outcome: 'failure',
      actor: { type: 'client', id: clientId, label: null },
      target: { type: 'oauth_client', id: clientId },
      sourceIp: request.ip,
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : null,
      details: {
        endpoint: request.url.split('?')[0],
        method,
        reason: error.description,
        rateLimited: wait !== null,
      },
    });
    if (wait !== null) throw new TooManyAttemptsError(wait);
  }
}
