import type { PrismaClient } from '@portcullis/db';
import type { ManagementEvents } from '../audit-trail/management-events.js';
import { secretBoxFor } from '../auth/secret-box.js';
import type { IdentityConfig } from '../config.js';
import { TOTP_SECRET_PURPOSE } from '../mfa/totp-secret.js';
import {
  decryptPrivateKeyWithAny,
  deriveSigningKeyDataKey,
  encryptPrivateKey,
} from '../signing-keys/private-key-encryption.js';
import { WEBHOOK_SECRET_PURPOSE } from '../webhooks/webhook-secret.js';

const PAGE = 500;

export interface ResealCounts {
  /** Sealed under an earlier key, now under the current one. */
  resealed: number;
  /** Under the current key already. */
  current: number;
  /** Ids of rows no configured key opens (left as they are). */
  unreadable: string[];
}

export interface ResealReport {
  totpSecrets: ResealCounts;
  webhookSecrets: ResealCounts;
  signingKeys: ResealCounts;
}

type MasterKeyConfig = Pick<IdentityConfig, 'IDENTITY_MASTER_KEY' | 'IDENTITY_MASTER_KEY_PREVIOUS'>;

/**
 * Re-seals every secret identity keeps encrypted (TOTP seeds, webhook signing secrets, signing
 * keys' private keys) that was sealed under an earlier master key, so IDENTITY_MASTER_KEY_PREVIOUS
 * can be dropped afterwards. Each row is written only if it is unchanged since it was read, so a
 * secret replaced meanwhile (a new TOTP enrolment) is never overwritten with the old one. Running
 * it again finds everything current. Published as `master_key.resealed` with the counts.
 */
export async function resealUnderCurrentKey(
  prisma: PrismaClient,
  config: MasterKeyConfig,
  events: Pick<ManagementEvents, 'publish'>,
): Promise<ResealReport> {
  const report: ResealReport = {
    totpSecrets: await resealTotpSecrets(prisma, config),
    webhookSecrets: await resealWebhookSecrets(prisma, config),
    signingKeys: await resealSigningKeys(prisma, config),
  };
  events.publish({
    action: 'master_key.resealed',
    outcome: Object.values(report).some((counts) => counts.unreadable.length > 0)
      ? 'failure'
      : 'success',
    actor: { type: 'system', id: null, label: 'rotate-master-key' },
    target: { type: 'master_key', id: null },
    details: {
      previousKeys: config.IDENTITY_MASTER_KEY_PREVIOUS.length,
      ...Object.fromEntries(
        Object.entries(report).map(([kind, counts]) => [
          kind,
          {
            resealed: counts.resealed,
            current: counts.current,
            unreadable: counts.unreadable.length,
          },
        ]),
      ),
    },
  });
  return report;
}

function emptyCounts(): ResealCounts {
  return { resealed: 0, current: 0, unreadable: [] };
}

async function resealTotpSecrets(prisma: PrismaClient, config: MasterKeyConfig) {
  const box = secretBoxFor(config, TOTP_SECRET_PURPOSE);
  const counts = emptyCounts();
  for (let cursor: string | undefined; ;) {
    const rows = await prisma.user.findMany({
      where: { totpSecretEncrypted: { not: null } },
      select: { id: true, totpSecretEncrypted: true },
      orderBy: { id: 'asc' },
      take: PAGE,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const row of rows) {
      const sealed = row.totpSecretEncrypted!;
      await resealRow(
        counts,
        row.id,
        () => box.openWithKey(sealed),
        (plaintext) =>
          prisma.user.updateMany({
            where: { id: row.id, totpSecretEncrypted: sealed },
            data: { totpSecretEncrypted: box.seal(plaintext) },
          }),
      );
    }
    if (rows.length < PAGE) return counts;
    cursor = rows.at(-1)!.id;
  }
}

async function resealWebhookSecrets(prisma: PrismaClient, config: MasterKeyConfig) {
  const box = secretBoxFor(config, WEBHOOK_SECRET_PURPOSE);
  const counts = emptyCounts();
  for (let cursor: string | undefined; ;) {
    const rows = await prisma.webhookEndpoint.findMany({
      select: { id: true, secretEncrypted: true },
      orderBy: { id: 'asc' },
      take: PAGE,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const row of rows) {
      await resealRow(
        counts,
        row.id,
        () => box.openWithKey(row.secretEncrypted),
        (plaintext) =>
          prisma.webhookEndpoint.updateMany({
            where: { id: row.id, secretEncrypted: row.secretEncrypted },
            data: { secretEncrypted: box.seal(plaintext) },
          }),
      );
    }
    if (rows.length < PAGE) return counts;
    cursor = rows.at(-1)!.id;
  }
}

async function resealSigningKeys(prisma: PrismaClient, config: MasterKeyConfig) {
  const dataKeys = [config.IDENTITY_MASTER_KEY, ...config.IDENTITY_MASTER_KEY_PREVIOUS].map(
    deriveSigningKeyDataKey,
  );
  const counts = emptyCounts();
  // A handful of rows (one per rotation period): no paging needed.
  const rows = await prisma.signingKey.findMany({
    select: { id: true, kid: true, privateKeyEncrypted: true },
  });
  for (const row of rows) {
    await resealRow(
      counts,
      row.id,
      () => {
        const opened = decryptPrivateKeyWithAny(row.privateKeyEncrypted, row.kid, dataKeys);
        return { plaintext: opened.pkcs8Pem, keyIndex: opened.keyIndex };
      },
      (plaintext) =>
        prisma.signingKey.updateMany({
          where: { id: row.id, privateKeyEncrypted: row.privateKeyEncrypted },
          data: { privateKeyEncrypted: encryptPrivateKey(plaintext, row.kid, dataKeys[0]!) },
        }),
    );
  }
  return counts;
}

async function resealRow(
  counts: ResealCounts,
  id: string,
  open: () => { plaintext: string; keyIndex: number },
  write: (plaintext: string) => Promise<{ count: number }>,
): Promise<void> {
  let opened;
  try {
    opened = open();
  } catch {
    counts.unreadable.push(id);
    return;
  }
  if (opened.keyIndex === 0) {
    counts.current += 1;
    return;
  }
  // Changed since it was read: whoever changed it sealed it under the current key.
  if ((await write(opened.plaintext)).count === 1) counts.resealed += 1;
  else counts.current += 1;
}
