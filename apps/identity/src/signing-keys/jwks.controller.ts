import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { SigningKeys } from './signing-keys.service.js';

/** Verifiers (the gateway, resource servers) cache this: a new key is published before it signs. */
export const JWKS_PATH = '.well-known/jwks.json';

@ApiTags('oauth2')
@Controller()
export class JwksController {
  constructor(private readonly signingKeys: SigningKeys) {}

  @Get(JWKS_PATH)
  @Header('cache-control', 'public, max-age=300')
  @Header('content-type', 'application/jwk-set+json; charset=utf-8')
  @ApiOperation({ summary: 'Public keys that verify access tokens (RFC 7517)' })
  @ApiOkResponse({ description: 'JSON Web Key Set' })
  async jwks(): Promise<{ keys: JWK[] }> {
    return this.signingKeys.publicKeys();
  }
}
