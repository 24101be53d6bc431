import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { AuditCheckpoint } from '@portcullis/contracts';
import { canonicalJson } from '../integrity/canonical-json.js';
import { decodeBase64Key } from '@portcullis/crypto';

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export type UnsignedCheckpoint = Omit<AuditCheckpoint, 'keyId' | 'algorithm' | 'signature'>;

/** The bytes a checkpoint's signature covers: canonical JSON of every field but the signature. */
export function checkpointSigningInput(
  checkpoint: Omit<AuditCheckpoint, 'algorithm' | 'signature'>,
): Buffer {
  return Buffer.from(
    canonicalJson({
      chain: checkpoint.chain,
      checkpointedAt: checkpoint.checkpointedAt,
      headEventId: checkpoint.headEventId,
      headHash: checkpoint.headHash,
      keyId: checkpoint.keyId,
      seq: checkpoint.seq,
    }),
  );
}

/** Signs checkpoints with audit's Ed25519 key and checks that a checkpoint is one of ours. */
export class CheckpointSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;

  constructor(seedBase64: string) {
    const seed = decodeBase64Key(seedBase64, 32, 32);
    if (!seed) throw new RangeError('the checkpoint signing key must be base64 of 32 bytes');
    this.#privateKey = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    this.#publicKey = createPublicKey(this.#privateKey);
    const spki = this.#publicKey.export({ format: 'der', type: 'spki' });
    this.keyId = createHash('sha256').update(spki).digest('hex').slice(0, 16);
    this.publicKeyPem = this.#publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  sign(checkpoint: UnsignedCheckpoint): AuditCheckpoint {
    const withKey = { ...checkpoint, keyId: this.keyId };
    const signature = sign(null, checkpointSigningInput(withKey), this.#privateKey);
    return { ...withKey, algorithm: 'Ed25519', signature: signature.toString('base64url') };
  }

  /** True when `checkpoint` was signed by this key and not changed since. */
  verify(checkpoint: AuditCheckpoint): boolean {
    if (checkpoint.keyId !== this.keyId) return false;
    return verify(
      null,
      checkpointSigningInput(checkpoint),
      this.#publicKey,
      Buffer.from(checkpoint.signature, 'base64url'),
    );
  }
}
