import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import type { GatewaySigningKey } from './gateway-signing-key.js';

export const GATEWAY_SIGNING_KEY = Symbol('GATEWAY_SIGNING_KEY');

@ApiTags('gateway')
@Controller()
export class GatewayJwksController {
  constructor(@Inject(GATEWAY_SIGNING_KEY) private readonly key: GatewaySigningKey) {}

  @Get('.well-known/gateway-jwks.json')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({
    summary: "The gateway's public keys",
    description: 'Backends verify X-Portcullis-Assertion (ES256) against these keys.',
  })
  @ApiOkResponse({ description: 'A JWK Set (RFC 7517).' })
  jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }
}
