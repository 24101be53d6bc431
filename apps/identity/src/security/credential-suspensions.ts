import { Injectable } from '@nestjs/common';
import type { Credential, Prisma } from '@portcullis/db';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';

type Transaction = Prisma.TransactionClient;

export interface SuspensionOutcome {
  credential: Credential & { application: { teamId: string } };
  /** Suspended before and after this reconciliation. */
  wasSuspended: boolean;
  isSuspended: boolean;
  /** Recorded when the credential's state changed; announce it after commit. */
  change: PendingConfigChange | null;
}

/**
 * A credential is `suspended` while at least one un-lifted `suspend_credential` response for it
 * has not reached its `until`; `suspendedUntil` is the latest of them. The token endpoint reads
 * only `active` credentials and the gateway snapshot carries only `active` ones, so a suspended
 * credential is refused at both; `credential.changed` makes gateways re-read the snapshot and the
 * token endpoint's cache reload. (`credential.revoked` would be wrong here: gateways remember
 * revoked ids for good.) Revoked and expired credentials are left as they are.
 */
@Injectable()
export class CredentialSuspensions {
  constructor(private readonly configChanges: ConfigChanges) {}

  /** Brings the credential in line with its responses; call in the transaction that changed them. */
  async reconcile(
    transaction: Transaction,
    credentialId: string,
    now = new Date(),
  ): Promise<SuspensionOutcome | null> {
    // Row lock: concurrent responses, revocations and the sweep serialise on the credential.
    await transaction.$queryRaw`
      SELECT id FROM identity.credentials WHERE id = ${credentialId}::uuid FOR UPDATE`;
    const credential = await transaction.credential.findUnique({
      where: { id: credentialId },
      include: { application: { select: { teamId: true } } },
    });
    if (!credential) return null;
    const wasSuspended = credential.status === 'suspended';
    if (credential.status !== 'active' && !wasSuspended) {
      return { credential, wasSuspended, isSuspended: false, change: null };
    }
    const latest = await transaction.securityResponse.aggregate({
      where: {
        credentialId,
        action: 'suspend_credential',
        liftedAt: null,
        until: { gt: now },
      },
      _max: { until: true },
    });
    const until = latest._max.until;
    const target = until
      ? { status: 'suspended' as const, suspendedUntil: until }
      : { status: 'active' as const, suspendedUntil: null };
    if (
      target.status === credential.status &&
      target.suspendedUntil?.getTime() === credential.suspendedUntil?.getTime()
    ) {
      return { credential, wasSuspended, isSuspended: wasSuspended, change: null };
    }
    const updated = await transaction.credential.update({
      where: { id: credentialId },
      data: target,
      include: { application: { select: { teamId: true } } },
    });
    const change = await this.configChanges.record(
      transaction,
      'credential.changed',
      credentialId,
      target.suspendedUntil,
    );
    return {
      credential: updated,
      wasSuspended,
      isSuspended: target.status === 'suspended',
      change,
    };
  }

  /** Suspended credentials whose suspension lapsed, locked for this transaction (other replicas skip them). */
  async lockLapsed(transaction: Transaction, now: Date, limit: number): Promise<string[]> {
    const rows = await transaction.$queryRaw<{ id: string }[]>`
      SELECT id FROM identity.credentials
       WHERE status = 'suspended' AND (suspended_until IS NULL OR suspended_until <= ${now})
       ORDER BY suspended_until NULLS FIRST
       LIMIT ${limit}
         FOR UPDATE SKIP LOCKED`;
    return rows.map((row) => row.id);
  }
}
