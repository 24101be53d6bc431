import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrismaClient } from '@portcullis/db';
import { createKafka, EventProducer } from '@portcullis/kafka';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementEvents } from '../../src/audit-trail/management-events.js';
import { secretBoxFor, SecretBox } from '../../src/auth/secret-box.js';
import { resealUnderCurrentKey } from '../../src/master-key/reseal-secrets.js';
import { TOTP_SECRET_PURPOSE } from '../../src/mfa/totp-secret.js';
import {
  decryptPrivateKeyWithAny,
  deriveSigningKeyDataKey,
} from '../../src/signing-keys/private-key-encryption.js';
import { WEBHOOK_SECRET_PURPOSE } from '../../src/webhooks/webhook-secret.js';
import type { IdentityTestApp } from '../support/identity-test-app.js';
import { isolatedDatabase, type IsolatedDatabase } from '../support/isolated-database.js';
import {
  caller,
  ManagementEventReader,
  signUpUser,
  type TestUser,
} from '../support/management-fixtures.js';
import {
  basicAuth,
  createClientSecret,
  createSubscribedApp,
  hashKeyOf,
  postForm,
  startOAuthIdentity,
  testPrisma,
} from '../support/oauth-fixtures.js';

const newKey = () => randomBytes(32).toString('base64');

function codeAt(secret: string, offsetSteps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

/**
 * Rotating IDENTITY_MASTER_KEY: identity reads secrets sealed under the previous key while the
 * new one seals, `resealUnderCurrentKey` moves everything to the new key, and identity then runs
 * on the new key alone. In a database of its own: it re-seals every row there.
 */
describe('rotating the master key', () => {
  const oldKey = newKey();
  const currentKey = newKey();
  let database: IsolatedDatabase;
  let prisma: PrismaClient;
  let events: ManagementEventReader;
  let producer: EventProducer;
  let user: TestUser & { secret: string };
  let webhookId: string;
  let client: { clientId: string; secret: string };

  const issueToken = async (identity: IdentityTestApp) =>
    postForm(
      `${identity.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.clientId, client.secret) },
    );

  beforeAll(async () => {
    database = await isolatedDatabase('masterkey');
    prisma = testPrisma(database.url);
    events = new ManagementEventReader();
    producer = new EventProducer({
      kafka: createKafka({
        brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
        clientId: 'master-key-test',
      }),
      spoolDir: mkdtempSync(join(tmpdir(), 'master-key-spool-')),
      name: 'master-key-test',
    });
    await Promise.all([events.start(), producer.start()]);

    // Everything sealed under the old key: a signing key, a TOTP seed, a webhook secret.
    const before = await startOAuthIdentity({
      DATABASE_URL: database.url,
      IDENTITY_MASTER_KEY: oldKey,
    });
    try {
      const call = caller(before);
      const signedUp = await signUpUser(call, 'rotate');
      const secret = (await call('POST', '/v1/me/mfa/totp', { token: signedUp.token })).body
        .secret as string;
      const confirm = await call('POST', '/v1/me/mfa/totp/confirm', {
        token: signedUp.token,
        body: { code: codeAt(secret), currentPassword: signedUp.password },
      });
      expect(confirm.status).toBe(200);
      user = { ...signedUp, secret };
      const app = await createSubscribedApp(prisma);
      client = await createClientSecret(prisma, hashKeyOf(before), app);
      expect((await issueToken(before)).status).toBe(200);
      const webhook = await prisma.webhookEndpoint.create({
        data: {
          teamId: signedUp.personalTeamId,
          url: 'https://hooks.example.test/portcullis',
          secretEncrypted: new SecretBox(oldKey, WEBHOOK_SECRET_PURPOSE).seal('whsec_rotate_me'),
        },
      });
      webhookId = webhook.id;
    } finally {
      await before.close();
    }
  });
  afterAll(async () => {
    await producer?.stop();
    await events?.stop();
    await prisma?.$disconnect();
    await database?.drop();
  });

  it('reads old secrets with the new key in place, re-seals them, then needs only the new key', async () => {
    const config = { IDENTITY_MASTER_KEY: currentKey, IDENTITY_MASTER_KEY_PREVIOUS: [oldKey] };
    const during = await startOAuthIdentity({
      DATABASE_URL: database.url,
      IDENTITY_MASTER_KEY: currentKey,
      IDENTITY_MASTER_KEY_PREVIOUS: oldKey,
    });
    try {
      // The signing key and the TOTP seed open under the previous key.
      expect((await issueToken(during)).status).toBe(200);
      const call = caller(during);
      const pending = await call('POST', '/v1/sessions', {
        body: { email: user.email, password: user.password },
      });
      expect(pending.body.mfaRequired).toBe(true);
      const verified = await call('POST', '/v1/sessions/current/mfa', {
        token: pending.body.token,
        body: { code: codeAt(user.secret, 1) },
      });
      expect(verified.status).toBe(200);

      const signingKeys = await prisma.signingKey.count();
      const report = await resealUnderCurrentKey(prisma, config, new ManagementEvents(producer));
      expect(report).toEqual({
        totpSecrets: { resealed: 1, current: 0, unreadable: [] },
        webhookSecrets: { resealed: 1, current: 0, unreadable: [] },
        signingKeys: { resealed: signingKeys, current: 0, unreadable: [] },
      });
      // Everything current now: a second run changes nothing.
      expect(await resealUnderCurrentKey(prisma, config, new ManagementEvents(producer))).toEqual({
        totpSecrets: { resealed: 0, current: 1, unreadable: [] },
        webhookSecrets: { resealed: 0, current: 1, unreadable: [] },
        signingKeys: { resealed: 0, current: signingKeys, unreadable: [] },
      });
    } finally {
      await during.close();
    }

    // The rows open under the new key alone, and no longer under the old one.
    const onlyNew = { IDENTITY_MASTER_KEY: currentKey, IDENTITY_MASTER_KEY_PREVIOUS: [] };
    const stored = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(secretBoxFor(onlyNew, TOTP_SECRET_PURPOSE).open(stored.totpSecretEncrypted!)).toBe(
      user.secret,
    );
    expect(() =>
      new SecretBox(oldKey, TOTP_SECRET_PURPOSE).open(stored.totpSecretEncrypted!),
    ).toThrow(/none of the master keys/);
    const webhook = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: webhookId } });
    expect(secretBoxFor(onlyNew, WEBHOOK_SECRET_PURPOSE).open(webhook.secretEncrypted)).toBe(
      'whsec_rotate_me',
    );
    for (const key of await prisma.signingKey.findMany()) {
      expect(
        decryptPrivateKeyWithAny(key.privateKeyEncrypted, key.kid, [
          deriveSigningKeyDataKey(currentKey),
        ]).keyIndex,
      ).toBe(0);
    }
    const after = await startOAuthIdentity({
      DATABASE_URL: database.url,
      IDENTITY_MASTER_KEY: currentKey,
    });
    try {
      expect((await issueToken(after)).status).toBe(200);
    } finally {
      await after.close();
    }

    const [resealed] = await events.waitFor(
      (event) =>
        event.data.action === 'master_key.resealed' &&
        (event.data.details.totpSecrets as { resealed: number }).resealed === 1,
    );
    expect(resealed!.data).toMatchObject({
      outcome: 'success',
      actor: { type: 'system', label: 'rotate-master-key' },
      details: { previousKeys: 1, webhookSecrets: { resealed: 1, current: 0, unreadable: 0 } },
    });
    expect(JSON.stringify(resealed)).not.toContain('whsec_rotate_me');
  });

  it('leaves a secret no configured key opens as it is, and says so', async () => {
    const stray = await prisma.webhookEndpoint.create({
      data: {
        url: 'https://hooks.example.test/stray',
        secretEncrypted: new SecretBox(newKey(), WEBHOOK_SECRET_PURPOSE).seal('whsec_stray'),
      },
    });
    const config = { IDENTITY_MASTER_KEY: currentKey, IDENTITY_MASTER_KEY_PREVIOUS: [oldKey] };
    const report = await resealUnderCurrentKey(prisma, config, new ManagementEvents(producer));
    expect(report.webhookSecrets.unreadable).toEqual([stray.id]);
    const unchanged = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: stray.id } });
    expect(unchanged.secretEncrypted).toBe(stray.secretEncrypted);
    await events.waitFor(
      (event) =>
        event.data.action === 'master_key.resealed' &&
        event.data.outcome === 'failure' &&
        (event.data.details.webhookSecrets as { unreadable: number }).unreadable === 1,
    );
  });
});
