import { Inject, Injectable } from '@nestjs/common';
import { Prisma, type PrismaClient, type SecurityResponse, type SourceBlock } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { Principal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { CredentialSuspensions, type SuspensionOutcome } from './credential-suspensions.js';
import { MAX_DURATION_MS, type SecurityResponseInput } from './security-schemas.js';
import {
  checkUntil,
  parseSource,
  requesterOf,
  SourceBlocksService,
} from './source-blocks.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SecurityResponseView {
  id: string;
  action: 'block_ip' | 'suspend_credential';
  target: string;
  until: string;
  reason: string;
  requestedBy: string;
  source: { service: string | null; alertId: string | null };
  /** Not lifted and `until` not reached. */
  active: boolean;
  liftedAt: string | null;
  liftedBy: string | null;
  /** block_ip: the SourceBlock it created. */
  sourceBlockId: string | null;
  createdAt: string;
  updatedAt: string;
}

function responseView(response: SecurityResponse, now = new Date()): SecurityResponseView {
  return {
    id: response.id,
    action: response.action,
    target: response.target,
    until: response.until.toISOString(),
    reason: response.reason,
    requestedBy: response.requestedBy,
    source: { service: response.sourceService, alertId: response.alertId },
    active: response.liftedAt === null && response.until > now,
    liftedAt: response.liftedAt?.toISOString() ?? null,
    liftedBy: response.liftedBy,
    sourceBlockId: response.sourceBlockId,
    createdAt: response.createdAt.toISOString(),
    updatedAt: response.updatedAt.toISOString(),
  };
}

interface Applied {
  response: SecurityResponse;
  created: boolean;
  changes: PendingConfigChange[];
  block?: SourceBlock | null;
  suspension?: SuspensionOutcome | null;
}

/**
 * Responses to security alerts, as audit's automatic responses (and security people) ask for
 * them: `block_ip` blocks a source address at every gateway, `suspend_credential` makes a
 * credential unusable at the token endpoint and the gateway, each until `until`. The caller picks
 * the id, so a retried PUT changes nothing but `until` and `reason`.
 */
@Injectable()
export class SecurityResponsesService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
    private readonly blocks: SourceBlocksService,
    private readonly suspensions: CredentialSuspensions,
  ) {}

  async get(id: string): Promise<SecurityResponseView> {
    const response = await this.prisma.securityResponse.findUnique({ where: { id } });
    if (!response) throw problems.notFound('The security response');
    return responseView(response);
  }

  /** Applies (201) or re-applies (200) the response with this id. */
  async apply(
    id: string,
    input: SecurityResponseInput,
    principal: Principal,
    meta: RequestMeta,
  ): Promise<{ created: boolean; response: SecurityResponseView }> {
    const target = this.parseTarget(input);
    let applied: Applied;
    try {
      applied = await this.applyOnce(id, input, target, principal);
    } catch (error) {
      // Two identical PUTs racing: the loser finds the winner's row and updates it.
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) {
        throw error;
      }
      applied = await this.applyOnce(id, input, target, principal);
    }
    this.configChanges.announce(...applied.changes);
    this.publishApplied(applied, principal, meta);
    return { created: applied.created, response: responseView(applied.response) };
  }

  /** Lifts the response early (204); 404 when unknown, lifted already or lapsed. */
  async lift(id: string, principal: Principal, meta: RequestMeta): Promise<void> {
    const now = new Date();
    const lifted = await this.prisma.$transaction(async (transaction) => {
      const existing = await transaction.securityResponse.findUnique({ where: { id } });
      if (!existing || existing.liftedAt !== null || existing.until <= now) return null;
      const updated = await transaction.securityResponse.updateMany({
        where: { id, liftedAt: null },
        data: { liftedAt: now, liftedBy: requesterOf(principal) },
      });
      if (updated.count === 0) return null;
      const response = await transaction.securityResponse.findUniqueOrThrow({ where: { id } });
      const changes: PendingConfigChange[] = [];
      let block: SourceBlock | null = null;
      let suspension: SuspensionOutcome | null = null;
      if (response.sourceBlockId) {
        const current = await transaction.sourceBlock.findUnique({
          where: { id: response.sourceBlockId },
        });
        const result = current && (await this.blocks.liftInTransaction(transaction, current, now));
        if (result) {
          block = result.block;
          changes.push(result.change);
        }
      }
      if (response.credentialId) {
        suspension = await this.suspensions.reconcile(transaction, response.credentialId, now);
        if (suspension?.change) changes.push(suspension.change);
      }
      return { response, changes, block, suspension };
    });
    if (!lifted) throw problems.notFound('The active security response');
    this.configChanges.announce(...lifted.changes);
    const details = { responseId: id, alertId: lifted.response.alertId };
    if (lifted.block) this.blocks.publishUnblocked(lifted.block, principal, meta, details);
    if (lifted.response.action === 'suspend_credential') {
      const credential = lifted.suspension?.credential;
      this.events.publish({
        action: 'credential.suspension_lifted',
        outcome: 'success',
        actor: actorOf(principal),
        target: { type: 'credential', id: lifted.response.target },
        teamId: credential?.application.teamId ?? null,
        appId: credential?.applicationId ?? null,
        ...meta,
        details: {
          ...details,
          credentialStatus: credential?.status ?? null,
          suspendedUntil: credential?.suspendedUntil?.toISOString() ?? null,
        },
      });
    }
  }

  private parseTarget(input: SecurityResponseInput): string {
    if (input.action === 'block_ip') return parseSource(input.target, 'target');
    if (!UUID.test(input.target)) {
      throw problems.validation([{ path: 'target', message: 'must be a credential id (UUID)' }]);
    }
    return input.target.toLowerCase();
  }

  private async applyOnce(
    id: string,
    input: SecurityResponseInput,
    target: string,
    principal: Principal,
  ): Promise<Applied> {
    const now = new Date();
    return this.prisma.$transaction(async (transaction) => {
      const existing = await transaction.securityResponse.findUnique({ where: { id } });
      if (existing) return this.reapply(transaction, existing, input, target, now);
      checkUntil(input.until, 'until', now.getTime());
      const base = {
        id,
        action: input.action,
        target,
        until: input.until,
        reason: input.reason,
        requestedBy: requesterOf(principal),
        sourceService: input.source?.service ?? null,
        alertId: input.source?.alertId ?? null,
      };
      if (input.action === 'block_ip') {
        const { block, change } = await this.blocks.blockInTransaction(transaction, {
          source: target,
          reason: input.reason,
          until: input.until,
          createdById: principal.kind === 'user' ? principal.userId : null,
        });
        const response = await transaction.securityResponse.create({
          data: { ...base, sourceBlockId: block.id },
        });
        return { response, created: true, changes: [change], block };
      }
      const credential = await transaction.credential.findUnique({
        where: { id: target },
        select: { id: true },
      });
      if (!credential) throw problems.notFound('The credential');
      const response = await transaction.securityResponse.create({
        data: { ...base, credentialId: target },
      });
      const suspension = await this.suspensions.reconcile(transaction, target, now);
      return {
        response,
        created: true,
        changes: suspension?.change ? [suspension.change] : [],
        suspension,
      };
    });
  }

  /** Same id again: same action and target required; `until` and `reason` may move. */
  private async reapply(
    transaction: Prisma.TransactionClient,
    existing: SecurityResponse,
    input: SecurityResponseInput,
    target: string,
    now: Date,
  ): Promise<Applied> {
    if (existing.action !== input.action || existing.target !== target) {
      throw problems.conflict('A response with this id exists for another action or target.');
    }
    if (existing.liftedAt !== null) {
      throw problems.conflict('This response was lifted; apply a new one with a new id.');
    }
    if (input.until.getTime() - now.getTime() > MAX_DURATION_MS) {
      throw problems.validation([{ path: 'until', message: 'must be at most 366 days ahead' }]);
    }
    const response = await transaction.securityResponse.update({
      where: { id: existing.id },
      data: { until: input.until, reason: input.reason },
    });
    const changes: PendingConfigChange[] = [];
    let block: SourceBlock | null = null;
    let suspension: SuspensionOutcome | null = null;
    const untilChanged = existing.until.getTime() !== input.until.getTime();
    if (untilChanged && response.sourceBlockId) {
      const moved = await this.blocks.rescheduleInTransaction(
        transaction,
        response.sourceBlockId,
        input.until,
      );
      if (moved) {
        block = moved.block;
        changes.push(moved.change);
      }
    }
    if (untilChanged && response.credentialId) {
      suspension = await this.suspensions.reconcile(transaction, response.credentialId, now);
      if (suspension?.change) changes.push(suspension.change);
    }
    return { response, created: false, changes, block, suspension };
  }

  private publishApplied(applied: Applied, principal: Principal, meta: RequestMeta): void {
    const { response } = applied;
    const details = {
      responseId: response.id,
      alertId: response.alertId,
      sourceService: response.sourceService,
      reapplied: !applied.created,
    };
    if (response.action === 'block_ip') {
      if (applied.block) this.blocks.publishBlocked(applied.block, principal, meta, details);
      return;
    }
    // A re-apply that moved nothing is not a new state change.
    if (!applied.created && !applied.suspension?.change) return;
    const credential = applied.suspension?.credential;
    this.events.publish({
      action: 'credential.suspended',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'credential', id: response.target },
      teamId: credential?.application.teamId ?? null,
      appId: credential?.applicationId ?? null,
      ...meta,
      details: {
        ...details,
        until: response.until.toISOString(),
        reason: response.reason,
        // `revoked` / `expired`: recorded, but the credential was unusable already.
        credentialStatus: credential?.status ?? null,
        suspendedUntil: credential?.suspendedUntil?.toISOString() ?? null,
      },
    });
  }
}
