import { z } from 'zod';
import { registeredJwksSchema } from './registered-jwks.js';

const environmentSchema = z.enum(['sandbox', 'production']);
const futureInstant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .refine((value) => value.getTime() > Date.now(), { error: 'must be in the future' });
const thumbprintSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{43}$/,
    'must be the base64url SHA-256 of the DER certificate (43 characters)',
  );
const certificatePemSchema = z
  .string()
  .max(16_384)
  .regex(/-----BEGIN CERTIFICATE-----/, 'must be a PEM certificate');

/** Key material a rotation or creation may bring, by kind. */
const keyMaterial = {
  jwks: registeredJwksSchema.optional(),
  certificateThumbprint: thumbprintSchema.optional(),
  certificatePem: certificatePemSchema.optional(),
};

export const createCredentialSchema = z
  .strictObject({
    kind: z.enum(['api_key', 'client_secret', 'private_key_jwt', 'tls_client_auth']),
    environment: environmentSchema,
    expiresAt: futureInstant.optional(),
    ...keyMaterial,
  })
  .superRefine((value, context) => checkMaterial(value.kind, value, context));
export type CreateCredentialRequest = z.output<typeof createCredentialSchema>;

/** Longest grace period after a rotation, and the default one. */
export const MAX_GRACE_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;

export const rotateCredentialSchema = z
  .strictObject({
    /** Until when the old credential keeps working; now or later, at most 30 days ahead. */
    graceUntil: z.iso
      .datetime({ offset: true })
      .transform((value) => new Date(value))
      .refine((value) => value.getTime() <= Date.now() + MAX_GRACE_MS, {
        error: 'must be at most 30 days ahead',
      })
      .optional(),
    expiresAt: futureInstant.optional(),
    ...keyMaterial,
  })
  .default({});
export type RotateCredentialRequest = z.output<typeof rotateCredentialSchema>;

type Material = { jwks?: unknown; certificateThumbprint?: string; certificatePem?: string };

export function checkMaterial(kind: string, value: Material, context: z.RefinementCtx): void {
  const hasCertificate =
    value.certificateThumbprint !== undefined || value.certificatePem !== undefined;
  if (kind === 'private_key_jwt' && value.jwks === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['jwks'],
      message: 'private_key_jwt needs the client’s public keys',
    });
  }
  if (kind !== 'private_key_jwt' && value.jwks !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['jwks'],
      message: 'only private_key_jwt takes jwks',
    });
  }
  if (kind === 'tls_client_auth' && !hasCertificate) {
    context.addIssue({
      code: 'custom',
      path: ['certificatePem'],
      message: 'tls_client_auth needs certificatePem or certificateThumbprint',
    });
  }
  if (kind === 'tls_client_auth' && value.certificatePem && value.certificateThumbprint) {
    context.addIssue({
      code: 'custom',
      path: ['certificateThumbprint'],
      message: 'give one of certificatePem or certificateThumbprint',
    });
  }
  if (kind !== 'tls_client_auth' && hasCertificate) {
    context.addIssue({
      code: 'custom',
      path: ['certificatePem'],
      message: 'only tls_client_auth takes a certificate',
    });
  }
}
