import type { AuditCheckpoint } from '@portcullis/contracts';
import { verifyChain, type ChainReport } from '../integrity/chain-verifier.js';
import type { AuditDb } from '../store/audit-db.js';
import { addDays, dayStart } from '../store/utc-day.js';
import type { CheckpointSigner } from './checkpoint-signer.js';

export type CheckpointMismatch =
  /** Not signed by this audit deployment's key, or changed after signing. */
  | 'signature_invalid'
  /** The database has no row at the checkpoint's position: rows were removed. */
  | 'head_missing'
  /** The row at the checkpoint's position is not the one checkpointed: the chain was rewritten. */
  | 'head_changed'
  /** The head matches but the chain up to it does not verify (see `chain.brokenLink`). */
  | 'chain_broken';

export interface CheckpointVerification {
  chain: string;
  seq: number;
  signatureValid: boolean;
  /** The row the database holds at (chain, seq) now. */
  storedHead: { eventId: string; hash: string } | null;
  /** True when the database still holds exactly what the checkpoint vouches for. */
  consistent: boolean;
  mismatch: CheckpointMismatch | null;
  /** The re-walk of the whole chain as it is now (null when the day is gone entirely). */
  chainReport: ChainReport | null;
}

/**
 * Compares the database with a checkpoint published earlier. The head row must still sit at the
 * checkpoint's position with the checkpointed hash, and the chain must verify up to it: since each
 * hash covers the previous one, that proves rows 1…seq are unchanged since the checkpoint, even
 * against someone who rewrote rows and recomputed every hash and the tip.
 */
export async function verifyAgainstCheckpoint(
  db: AuditDb,
  signer: CheckpointSigner,
  checkpoint: AuditCheckpoint,
): Promise<CheckpointVerification> {
  const signatureValid = signer.verify(checkpoint);
  const head = await db.query<{ id: string; hash: string }>(
    `SELECT id, hash FROM audit.audit_events
      WHERE chain = $1 AND chain_seq = $2 AND time >= $3 AND time < $4
      ORDER BY id LIMIT 1`,
    [
      checkpoint.chain,
      checkpoint.seq,
      dayStart(checkpoint.chain).toISOString(),
      dayStart(addDays(checkpoint.chain, 1)).toISOString(),
    ],
  );
  const row = head.rows[0];
  const storedHead = row ? { eventId: row.id, hash: row.hash } : null;
  const chainReport = await verifyChain(db, checkpoint.chain);
  const headMatches =
    storedHead !== null &&
    storedHead.hash === checkpoint.headHash &&
    storedHead.eventId === checkpoint.headEventId;
  // A break after the head (rows added since) does not concern the checkpointed part.
  const brokenBeforeHead =
    chainReport?.brokenLink != null &&
    (chainReport.brokenLink.reason === 'tip_mismatch' ||
      chainReport.brokenLink.chainSeq <= checkpoint.seq);
  const mismatch: CheckpointMismatch | null = !signatureValid
    ? 'signature_invalid'
    : storedHead === null
      ? 'head_missing'
      : !headMatches
        ? 'head_changed'
        : brokenBeforeHead
          ? 'chain_broken'
          : null;
  return {
    chain: checkpoint.chain,
    seq: checkpoint.seq,
    signatureValid,
    storedHead,
    consistent: mismatch === null,
    mismatch,
    chainReport,
  };
}
