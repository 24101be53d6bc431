import { z } from 'zod';

/** Members that would make a JWK private (or symmetric): never accepted, never stored. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const publicJwkSchema = z
  .looseObject({
    kty: z.enum(['EC', 'RSA', 'OKP']),
    kid: z.string().max(256).optional(),
    alg: z.string().max(32).optional(),
    use: z.literal('sig').optional(),
    crv: z.enum(['P-256', 'P-384', 'P-521', 'Ed25519']).optional(),
    x: z.string().max(256).optional(),
    y: z.string().max(256).optional(),
    n: z.string().max(2048).optional(),
    e: z.string().max(16).optional(),
  })
  .superRefine((jwk, context) => {
    for (const member of PRIVATE_MEMBERS) {
      if (member in jwk) {
        context.addIssue({
          code: 'custom',
          path: [member],
          message: 'must be a public key (no private members)',
        });
      }
    }
    if (jwk.kty === 'RSA' && (!jwk.n || !jwk.e)) {
      context.addIssue({ code: 'custom', message: 'RSA keys need n and e' });
    }
    if (jwk.kty !== 'RSA' && (!jwk.crv || !jwk.x || (jwk.kty === 'EC' && !jwk.y))) {
      context.addIssue({
        code: 'custom',
        message: 'EC and OKP keys need crv and x (and y for EC)',
      });
    }
    if (jwk.alg?.startsWith('HS') || jwk.alg === 'none') {
      context.addIssue({
        code: 'custom',
        path: ['alg'],
        message: 'must be an asymmetric algorithm',
      });
    }
  });

/** The client's public keys for private_key_jwt (RFC 7517 JWK Set), at most five. */
export const registeredJwksSchema = z.strictObject({
  keys: z.array(publicJwkSchema).min(1).max(5),
});
export type RegisteredJwks = z.infer<typeof registeredJwksSchema>;
