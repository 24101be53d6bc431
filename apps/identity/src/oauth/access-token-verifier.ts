import { Inject, Injectable } from '@nestjs/common';
import { accessTokenClaimsSchema, type AccessTokenClaims } from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA } from '@portcullis/nest-service';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { IdentityConfig } from '../config.js';
import { SigningKeys } from '../signing-keys/signing-keys.service.js';
import { ACCESS_TOKEN_TYPE } from './access-token-issuer.js';
import { issuerOf } from './issuer.js';

/**
 * A JWS in compact form, nothing else: jose's base64url decoding skips whitespace and stray
 * characters, so `a.b.c d` would otherwise verify as the token `a.b.cd`.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Verifies tokens this server issued, as a resource server would, plus the revocation list. */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    private readonly signingKeys: SigningKeys,
  ) {}

  /** Claims of a valid token (signature, issuer, type, times), ignoring revocation; else null. */
  async verifySignature(token: string): Promise<AccessTokenClaims | null> {
    if (token.length > 8192 || !COMPACT_JWS.test(token)) return null;
    try {
      await this.signingKeys.publicKeys();
      const keys = createLocalJWKSet({ keys: this.signingKeys.verificationKeys() });
      const { payload } = await jwtVerify(token, keys, {
        issuer: issuerOf(this.config),
        typ: ACCESS_TOKEN_TYPE,
        algorithms: ['ES256', 'EdDSA', 'Ed25519', 'RS256'],
      });
      const parsed = accessTokenClaimsSchema.safeParse(payload);
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Claims of a token that is valid and not revoked; else null. */
  async verifyActive(token: string): Promise<AccessTokenClaims | null> {
    const claims = await this.verifySignature(token);
    if (!claims) return null;
    const revoked = await this.prisma.revokedToken.findUnique({
      where: { jti: claims.jti },
      select: { id: true },
    });
    return revoked ? null : claims;
  }
}
