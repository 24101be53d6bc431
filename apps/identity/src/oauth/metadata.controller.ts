import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CONFIG } from '@portcullis/nest-service';
import type { IdentityConfig } from '../config.js';
import { JWKS_PATH } from '../signing-keys/jwks.controller.js';
import { CLIENT_ASSERTION_ALGORITHMS } from './client-authentication/private-key-jwt.js';
import { INTROSPECTION_PATH, issuerOf, REVOCATION_PATH, TOKEN_PATH } from './issuer.js';
import { MtlsListener } from './mtls-listener.js';

/**
 * Mutual-TLS clients are registered by certificate thumbprint, not by a CA-issued subject, which
 * is RFC 8705 §2.2 `self_signed_tls_client_auth` (not §2.1 `tls_client_auth`).
 */
const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'self_signed_tls_client_auth',
];

/** `GET /.well-known/oauth-authorization-server` (RFC 8414). */
@ApiTags('oauth2')
@Controller()
export class MetadataController {
  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly mtls: MtlsListener,
  ) {}

  @Get('.well-known/oauth-authorization-server')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)' })
  @ApiOkResponse({ description: 'Metadata document' })
  metadata(): Record<string, unknown> {
    const issuer = issuerOf(this.config);
    const mtls = this.mtls.baseUrl;
    return {
      issuer,
      token_endpoint: `${issuer}${TOKEN_PATH}`,
      jwks_uri: `${issuer}/${JWKS_PATH}`,
      introspection_endpoint: `${issuer}${INTROSPECTION_PATH}`,
      revocation_endpoint: `${issuer}${REVOCATION_PATH}`,
      grant_types_supported: ['client_credentials'],
      // No authorization endpoint: machine-to-machine only.
      response_types_supported: [],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGORITHMS,
      introspection_endpoint_auth_methods_supported: [...AUTH_METHODS, 'bearer'],
      introspection_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGORITHMS,
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGORITHMS,
      scopes_supported: [],
      resource_indicators_supported: true,
      tls_client_certificate_bound_access_tokens: true,
      ...(mtls
        ? {
            mtls_endpoint_aliases: {
              token_endpoint: `${mtls}${TOKEN_PATH}`,
              introspection_endpoint: `${mtls}${INTROSPECTION_PATH}`,
              revocation_endpoint: `${mtls}${REVOCATION_PATH}`,
            },
          }
        : {}),
    };
  }
}
