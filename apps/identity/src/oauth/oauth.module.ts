import { Module } from '@nestjs/common';
import { SigningKeysModule } from '../signing-keys/signing-keys.module.js';
import { AccessTokenIssuer } from './access-token-issuer.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { ClientAuthThrottle } from './client-authentication/client-auth-throttle.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.js';
import { ClientCredentialStore } from './client-authentication/client-credential-store.js';
import { ClientCredentialsGrant } from './client-credentials-grant.js';
import { IntrospectionController } from './introspection.controller.js';
import { MetadataController } from './metadata.controller.js';
import { MtlsListener } from './mtls-listener.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';
import { OAuthRouteLimits } from './oauth-route-limits.js';
import { RevocationController } from './revocation.controller.js';
import { TokenController } from './token.controller.js';
import { TokenEndpoint } from './token-endpoint.js';
import { TokenFastPath } from './token-fast-path.js';
import { TOKEN_FAST_PATH } from './token-fast-path.token.js';

/** The OAuth2 authorization server: metadata, token, introspection, revocation (and the JWKS). */
@Module({
  imports: [SigningKeysModule],
  controllers: [MetadataController, TokenController, IntrospectionController, RevocationController],
  providers: [
    OAuthRouteLimits,
    OAuthExceptionFilter,
    MtlsListener,
    ClientAuthThrottle,
    ClientCredentialStore,
    ClientAuthenticator,
    ClientCredentialsGrant,
    AccessTokenIssuer,
    AccessTokenVerifier,
    TokenEndpoint,
    TokenFastPath,
    { provide: TOKEN_FAST_PATH, useExisting: TokenFastPath },
  ],
  exports: [AccessTokenVerifier, TokenFastPath],
})
export class OAuthModule {}
