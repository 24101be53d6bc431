import { z } from 'zod';
import { defineEventSchema } from './envelope.js';

/**
 * A signed statement of where one audit hash chain stood: the chain (a UTC day), its length and
 * the hash of its last row. Published outside the database (Kafka, SIEM), it lets anyone detect a
 * later rewrite of the chain in PostgreSQL, even one that recomputed every hash.
 */
export const auditCheckpointSchema = z.strictObject({
  /** The chain: the UTC day `YYYY-MM-DD` of its rows. */
  // A calendar day: a well-shaped but impossible one (month 41) would make an invalid Date.
  chain: z.iso.date('must be a UTC day YYYY-MM-DD'),
  /** Rows in the chain when the checkpoint was taken (the head's chain_seq). */
  seq: z.number().int().positive(),
  /** SHA-256 (hex) of the head row: the row at `seq`. */
  headHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
  /** The head row's event id. */
  headEventId: z.uuid(),
  /** When the checkpoint was taken. */
  checkpointedAt: z.iso.datetime({ offset: true }),
  /** Id of the signing key: the first 16 hex characters of SHA-256 over its SPKI (DER). */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  algorithm: z.literal('Ed25519'),
  /**
   * Ed25519 signature (base64url) over the canonical JSON (keys sorted, no whitespace) of
   * `{chain, checkpointedAt, headEventId, headHash, keyId, seq}`.
   */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a base64url Ed25519 signature'),
});
export type AuditCheckpoint = z.infer<typeof auditCheckpointSchema>;

export const auditCheckpointEventSchema = defineEventSchema(
  'audit.checkpoint',
  1,
  auditCheckpointSchema,
);
export type AuditCheckpointEvent = z.infer<typeof auditCheckpointEventSchema>;
