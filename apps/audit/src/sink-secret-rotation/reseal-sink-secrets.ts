import type { PrismaClient } from '@portcullis/db';
import type { AuditManagementEvents } from '../siem/sink-management-events.js';
import type { SinkSecretCipher } from '../siem/sink-secret-cipher.js';

const PAGE = 200;

export interface SinkResealReport {
  /** Encrypted under an earlier key, now under the current one. */
  resealed: number;
  /** Under the current key already. */
  current: number;
  /** Ids of sinks whose secret no configured key decrypts (left as they are). */
  unreadable: string[];
}

/**
 * Re-encrypts every SIEM sink secret that an earlier AUDIT_SINK_SECRET_KEY encrypted under the
 * current key, so AUDIT_SINK_SECRET_KEY_PREVIOUS can be dropped afterwards. A row is written only
 * if unchanged since it was read (a sink edited meanwhile keeps its new secret). Published as
 * `master_key.resealed` (target `sink_secret_key`) with the counts.
 */
export async function resealSinkSecrets(
  prisma: PrismaClient,
  cipher: SinkSecretCipher,
  previousKeys: number,
  events: Pick<AuditManagementEvents, 'publish'>,
): Promise<SinkResealReport> {
  const report: SinkResealReport = { resealed: 0, current: 0, unreadable: [] };
  for (let cursor: string | undefined; ;) {
    const sinks = await prisma.siemSink.findMany({
      where: { secretEncrypted: { not: null } },
      select: { id: true, secretEncrypted: true },
      orderBy: { id: 'asc' },
      take: PAGE,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const sink of sinks) {
      const stored = sink.secretEncrypted!;
      let opened;
      try {
        opened = cipher.decryptWithKey(sink.id, stored);
      } catch {
        report.unreadable.push(sink.id);
        continue;
      }
      if (opened.keyIndex === 0) {
        report.current += 1;
        continue;
      }
      const written = await prisma.siemSink.updateMany({
        where: { id: sink.id, secretEncrypted: stored },
        data: { secretEncrypted: cipher.encrypt(sink.id, opened.secret as object) },
      });
      // Changed since it was read: whoever changed it encrypted it under the current key.
      if (written.count === 1) report.resealed += 1;
      else report.current += 1;
    }
    if (sinks.length < PAGE) break;
    cursor = sinks.at(-1)!.id;
  }
  events.publish({
    action: 'master_key.resealed',
    outcome: report.unreadable.length > 0 ? 'failure' : 'success',
    actor: { type: 'system', id: null, label: 'rotate-sink-secret-key' },
    target: { type: 'sink_secret_key', id: null },
    details: {
      previousKeys,
      siemSinkSecrets: {
        resealed: report.resealed,
        current: report.current,
        unreadable: report.unreadable.length,
      },
    },
  });
  return report;
}
