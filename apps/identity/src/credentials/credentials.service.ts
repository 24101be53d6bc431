import { Inject, Injectable } from '@nestjs/common';
import {
  decodeHashKey,
  generateApiKey,
  generateClientId,
  generateClientSecret,
  keyedHash,
  randomBase62,
} from '@portcullis/crypto';
import type { Credential, Prisma, PrismaClient } from '@portcullis/db';
import { CONFIG, PRISMA, problems } from '@portcullis/nest-service';
import { ConfigChanges } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/principal.js';
import type { IdentityConfig } from '../config.js';
import { thumbprintOfPem } from './certificate-thumbprint.js';
import {
  DEFAULT_GRACE_MS,
  type CreateCredentialRequest,
  type RotateCredentialRequest,
} from './credential-requests.js';
import { credentialView, effectiveStatus, type CredentialView } from './credential-view.js';

/** Who asked, for the audit trail. */
export interface RequestOrigin {
  user: UserPrincipal;
  sourceIp: string | null;
  userAgent: string | null;
}

/** The secret part of a new credential: returned once, never stored or logged. */
export interface IssuedCredential {
  credential: CredentialView;
  clientId?: string;
  clientSecret?: string;
  apiKey?: string;
}

type Environment = 'sandbox' | 'production';
type Transaction = Prisma.TransactionClient;

/**
 * Usable credentials an application may hold: every API key and client secret goes into every
 * gateway's snapshot, so one team must not be able to grow all of them without bound.
 * Rotated-out credentials still in their grace period are counted apart (up to as many again),
 * so rotating works at the cap, while chained rotations cannot pile up old secrets.
 */
export const MAX_CREDENTIALS_PER_APPLICATION = 20;

interface NewMaterial {
  kind: Credential['kind'];
  environment: Environment;
  clientId: string | null;
  keyId: string;
  secretHash: string | null;
  jwks: Prisma.InputJsonValue | undefined;
  certificateThumbprint: string | null;
  reveal: Omit<IssuedCredential, 'credential'>;
}

/**
 * Credentials of an application: API keys and OAuth2 clients (secret, private_key_jwt, mTLS).
 * Only developers of the application's team (or admins) manage them; each change is announced
 * to gateways (config change) and the audit trail (management event).
 */
@Injectable()
export class CredentialsService {
  private readonly hashKey: Buffer;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) config: IdentityConfig,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
  ) {
    this.hashKey = decodeHashKey(config.CREDENTIAL_HASH_KEY);
  }

  async list(appId: string, user: UserPrincipal): Promise<CredentialView[]> {
    await this.applicationFor(appId, user);
    const credentials = await this.prisma.credential.findMany({
      where: { applicationId: appId },
      orderBy: { createdAt: 'asc' },
    });
    const now = new Date();
    return credentials.map((credential) => credentialView(credential, now));
  }

  async create(
    appId: string,
    request: CreateCredentialRequest,
    origin: RequestOrigin,
  ): Promise<IssuedCredential> {
    const application = await this.applicationFor(appId, origin.user);
    const approved = await this.prisma.subscription.count({
      where: { applicationId: appId, environment: request.environment, status: 'approved' },
    });
    if (approved === 0) {
      throw problems.conflict(
        `The application has no approved subscription in ${request.environment}; request access first.`,
      );
    }
    const material = this.newMaterial(request.kind, request.environment, null, request);
    const { credential, change } = await this.prisma.$transaction(async (transaction) => {
      await this.lockApplication(transaction, appId);
      const inUse = await transaction.credential.count({
        where: { ...usableWhere(appId, new Date()), graceUntil: null },
      });
      if (inUse >= MAX_CREDENTIALS_PER_APPLICATION) {
        throw problems.conflict(
          `An application may have ${MAX_CREDENTIALS_PER_APPLICATION} credentials in use at most (both environments together); revoke ones it no longer uses first, or rotate one instead of adding another.`,
        );
      }
      const created = await transaction.credential.create({
        data: {
          applicationId: appId,
          environment: request.environment,
          kind: material.kind,
          clientId: material.clientId,
          keyId: material.keyId,
          secretHash: material.secretHash,
          jwks: material.jwks,
          certificateThumbprint: material.certificateThumbprint,
          expiresAt: request.expiresAt ?? null,
          createdById: origin.user.userId,
        },
      });
      const recorded = await this.configChanges.record(
        transaction,
        'credential.changed',
        created.id,
      );
      return { credential: created, change: recorded };
    });
    this.configChanges.announce(change);
    this.publish('credential.created', credential, application.teamId, origin, {
      kind: credential.kind,
      environment: credential.environment,
      clientId: credential.clientId,
      keyId: credential.keyId,
      expiresAt: credential.expiresAt?.toISOString() ?? null,
    });
    return { credential: credentialView(credential), ...material.reveal };
  }

  async rotate(
    appId: string,
    credentialId: string,
    request: RotateCredentialRequest,
    origin: RequestOrigin,
  ): Promise<IssuedCredential> {
    const application = await this.applicationFor(appId, origin.user);
    const old = await this.credentialOf(appId, credentialId);
    if (effectiveStatus(old) !== 'active' || old.graceUntil) {
      throw problems.conflict('Only an active credential that was not rotated yet can be rotated.');
    }
    if (old.kind === 'private_key_jwt' && !request.jwks) {
      throw problems.validation([
        { path: 'jwks', message: 'rotating private_key_jwt needs the new public keys' },
      ]);
    }
    if (
      old.kind === 'tls_client_auth' &&
      !request.certificatePem &&
      !request.certificateThumbprint
    ) {
      throw problems.validation([
        { path: 'certificatePem', message: 'rotating tls_client_auth needs the new certificate' },
      ]);
    }
    if (old.kind !== 'private_key_jwt' && request.jwks) {
      throw problems.validation([{ path: 'jwks', message: 'only private_key_jwt takes jwks' }]);
    }
    if (
      old.kind !== 'tls_client_auth' &&
      (request.certificatePem || request.certificateThumbprint)
    ) {
      throw problems.validation([
        { path: 'certificatePem', message: 'only tls_client_auth takes a certificate' },
      ]);
    }
    const graceUntil = request.graceUntil ?? new Date(Date.now() + DEFAULT_GRACE_MS);
    const material = this.newMaterial(old.kind, old.environment, old.clientId, request);
    const { credential, changes } = await this.prisma.$transaction(async (transaction) => {
      await this.lockApplication(transaction, appId);
      const now = new Date();
      // The new credential replaces the old one in the count; the old one joins those in grace.
      if (graceUntil > now) {
        const inGrace = await transaction.credential.count({
          where: { ...usableWhere(appId, now), graceUntil: { gt: now } },
        });
        if (inGrace >= MAX_CREDENTIALS_PER_APPLICATION) {
          throw problems.conflict(
            `The application has ${MAX_CREDENTIALS_PER_APPLICATION} rotated-out credentials still in their grace period; revoke the old ones its clients no longer use (or wait until their grace periods end), or rotate with graceUntil set to now.`,
          );
        }
      }
      // Conditional update: two concurrent rotations cannot both succeed.
      const updated = await transaction.credential.updateMany({
        where: { id: old.id, status: 'active', graceUntil: null },
        data: { graceUntil },
      });
      if (updated.count !== 1) throw problems.conflict('The credential was rotated concurrently.');
      const created = await transaction.credential.create({
        data: {
          applicationId: appId,
          environment: old.environment,
          kind: old.kind,
          clientId: material.clientId,
          keyId: material.keyId,
          secretHash: material.secretHash,
          jwks: material.jwks,
          certificateThumbprint: material.certificateThumbprint,
          expiresAt: request.expiresAt ?? old.expiresAt,
          rotatedFromId: old.id,
          createdById: origin.user.userId,
        },
      });
      const recorded = [
        await this.configChanges.record(transaction, 'credential.changed', old.id, graceUntil),
        await this.configChanges.record(transaction, 'credential.changed', created.id),
      ];
      return { credential: created, changes: recorded };
    });
    this.configChanges.announce(...changes);
    this.publish('credential.rotated', credential, application.teamId, origin, {
      kind: credential.kind,
      environment: credential.environment,
      clientId: credential.clientId,
      previousCredentialId: old.id,
      graceUntil: graceUntil.toISOString(),
    });
    return { credential: credentialView(credential), ...material.reveal };
  }

  async revoke(
    appId: string,
    credentialId: string,
    origin: RequestOrigin,
  ): Promise<CredentialView> {
    const application = await this.applicationFor(appId, origin.user);
    const existing = await this.credentialOf(appId, credentialId);
    if (existing.status === 'revoked') return credentialView(existing);
    const { credential, change } = await this.prisma.$transaction(async (transaction) => {
      const revoked = await transaction.credential.update({
        where: { id: existing.id },
        data: { status: 'revoked', revokedAt: new Date() },
      });
      const recorded = await this.configChanges.record(
        transaction,
        'credential.revoked',
        revoked.id,
      );
      return { credential: revoked, change: recorded };
    });
    this.configChanges.announce(change);
    this.publish('credential.revoked', credential, application.teamId, origin, {
      kind: credential.kind,
      environment: credential.environment,
      clientId: credential.clientId,
    });
    return credentialView(credential);
  }

  private newMaterial(
    kind: Credential['kind'],
    environment: Environment,
    existingClientId: string | null,
    request: Pick<CreateCredentialRequest, 'jwks' | 'certificatePem' | 'certificateThumbprint'>,
  ): NewMaterial {
    const base = {
      kind,
      environment,
      secretHash: null,
      jwks: undefined,
      certificateThumbprint: null,
    };
    switch (kind) {
      case 'api_key': {
        const key = generateApiKey(environment);
        return {
          ...base,
          clientId: null,
          keyId: key.keyId,
          secretHash: keyedHash(key.secret, this.hashKey),
          reveal: { apiKey: key.key },
        };
      }
      case 'client_secret': {
        const clientId = existingClientId ?? generateClientId(environment);
        const secret = generateClientSecret();
        return {
          ...base,
          clientId,
          keyId: `sec_${randomBase62(20)}`,
          secretHash: keyedHash(secret, this.hashKey),
          reveal: { clientId, clientSecret: secret },
        };
      }
      case 'private_key_jwt': {
        const clientId = existingClientId ?? generateClientId(environment);
        return {
          ...base,
          clientId,
          keyId: `jwk_${randomBase62(20)}`,
          jwks: request.jwks as Prisma.InputJsonValue,
          reveal: { clientId },
        };
      }
      case 'tls_client_auth': {
        const clientId = existingClientId ?? generateClientId(environment);
        return {
          ...base,
          clientId,
          keyId: `crt_${randomBase62(20)}`,
          certificateThumbprint: request.certificatePem
            ? thumbprintOfPem(request.certificatePem)
            : request.certificateThumbprint!,
          reveal: { clientId },
        };
      }
    }
  }

  /**
   * Row lock on the application for this transaction: concurrent creations and rotations count
   * its credentials one after the other, so together they cannot pass the cap. NO KEY UPDATE
   * leaves inserts that reference the application (subscriptions, credentials) unblocked.
   */
  private async lockApplication(transaction: Transaction, appId: string): Promise<void> {
    await transaction.$queryRaw`
      SELECT id FROM identity.applications WHERE id = ${appId}::uuid FOR NO KEY UPDATE`;
  }

  /** The application, if the caller may manage it: a member of its team, or an admin. */
  private async applicationFor(appId: string, user: UserPrincipal) {
    if (!/^[0-9a-f-]{36}$/i.test(appId)) throw problems.notFound('The application');
    const application = await this.prisma.application.findUnique({
      where: { id: appId },
      select: { id: true, teamId: true },
    });
    if (!application) throw problems.notFound('The application');
    if (!user.roles.includes('admin') && !user.teamIds.includes(application.teamId)) {
      throw problems.forbidden('Only members of the application’s team manage its credentials.');
    }
    return application;
  }

  private async credentialOf(appId: string, credentialId: string): Promise<Credential> {
    if (!/^[0-9a-f-]{36}$/i.test(credentialId)) throw problems.notFound('The credential');
    const credential = await this.prisma.credential.findFirst({
      where: { id: credentialId, applicationId: appId },
    });
    if (!credential) throw problems.notFound('The credential');
    return credential;
  }

  private publish(
    action: 'credential.created' | 'credential.rotated' | 'credential.revoked',
    credential: Credential,
    teamId: string,
    origin: RequestOrigin,
    details: Record<string, unknown>,
  ): void {
    this.events.publish({
      action,
      outcome: 'success',
      actor: { type: 'user', id: origin.user.userId, label: origin.user.email },
      target: { type: 'credential', id: credential.id },
      teamId,
      appId: credential.applicationId,
      sourceIp: origin.sourceIp,
      userAgent: origin.userAgent,
      details,
    });
  }
}

/**
 * Credentials of the application that work now or will again: not revoked, not swept or past
 * their expiry; suspended ones count (a suspension lapses). Callers add the grace condition.
 */
function usableWhere(appId: string, now: Date): Prisma.CredentialWhereInput {
  return {
    applicationId: appId,
    status: { in: ['active', 'suspended'] },
    OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
  };
}
