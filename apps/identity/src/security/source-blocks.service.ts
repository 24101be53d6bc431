import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, SourceBlock } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { Principal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { MAX_DURATION_MS, type CreateBlockInput } from './security-schemas.js';
import { normaliseSourceAddress } from './source-address.js';

type Transaction = Prisma.TransactionClient;

/** Advisory lock namespace for one source address (with hashtext of the address). */
const SOURCE_LOCK = 7_401_002;

export interface SourceBlockView {
  id: string;
  source: string;
  reason: string;
  createdById: string | null;
  /** When it lapses; null: until lifted. */
  until: string | null;
  liftedAt: string | null;
  active: boolean;
  /** The security response that created it, if any. */
  responseId: string | null;
  createdAt: string;
}

export function blockView(
  block: SourceBlock & { securityResponse?: { id: string } | null },
  now = new Date(),
): SourceBlockView {
  return {
    id: block.id,
    source: block.source,
    reason: block.reason,
    createdById: block.createdById,
    until: block.expiresAt?.toISOString() ?? null,
    liftedAt: block.liftedAt?.toISOString() ?? null,
    active: isActive(block, now),
    responseId: block.securityResponse?.id ?? null,
    createdAt: block.createdAt.toISOString(),
  };
}

function isActive(block: SourceBlock, now: Date): boolean {
  return block.liftedAt === null && (block.expiresAt === null || block.expiresAt > now);
}

/**
 * Source addresses the gateways refuse. Gateways key blocks by address (`source.blocked` /
 * `source.unblocked` carry the address as entityId), so after every change the address's
 * effective state is announced: blocked until the latest end of its active blocks, or unblocked
 * when none is left — lifting one of two overlapping blocks keeps the address blocked.
 */
@Injectable()
export class SourceBlocksService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
  ) {}

  async list(includeInactive: boolean): Promise<{ items: SourceBlockView[] }> {
    const now = new Date();
    const blocks = await this.prisma.sourceBlock.findMany({
      where: includeInactive
        ? {}
        : { liftedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      include: { securityResponse: { select: { id: true } } },
      orderBy: { createdAt: 'desc' },
      take: includeInactive ? 200 : undefined,
    });
    return { items: blocks.map((block) => blockView(block, now)) };
  }

  /** A block set by a security person or admin. */
  async create(
    input: CreateBlockInput,
    principal: Principal,
    meta: RequestMeta,
  ): Promise<SourceBlockView> {
    const source = parseSource(input.source, 'source');
    const until = input.until ?? null;
    checkUntil(until, 'until');
    const { block, change } = await this.prisma.$transaction((transaction) =>
      this.blockInTransaction(transaction, {
        source,
        reason: input.reason,
        until,
        createdById: principal.kind === 'user' ? principal.userId : null,
      }),
    );
    this.configChanges.announce(change);
    this.publishBlocked(block, principal, meta, {});
    return blockView(block);
  }

  /** Lifts a block early; 404 when unknown, already lifted or lapsed. */
  async lift(id: string, principal: Principal, meta: RequestMeta): Promise<void> {
    const now = new Date();
    const result = await this.prisma.$transaction(async (transaction) => {
      const block = await transaction.sourceBlock.findUnique({
        where: { id },
        include: { securityResponse: { select: { id: true } } },
      });
      if (!block || !isActive(block, now)) return null;
      const lifted = await this.liftInTransaction(transaction, block, now);
      if (lifted && block.securityResponse) {
        await transaction.securityResponse.update({
          where: { id: block.securityResponse.id },
          data: { liftedAt: now, liftedBy: requesterOf(principal) },
        });
      }
      return lifted && { ...lifted, responseId: block.securityResponse?.id ?? null };
    });
    if (!result) throw problems.notFound('The active block');
    this.configChanges.announce(result.change);
    this.publishUnblocked(result.block, principal, meta, { responseId: result.responseId });
  }

  /** Creates a block inside the caller's transaction; announce the change after commit. */
  async blockInTransaction(
    transaction: Transaction,
    block: {
      id?: string;
      source: string;
      reason: string;
      until: Date | null;
      createdById: string | null;
    },
  ): Promise<{ block: SourceBlock; change: PendingConfigChange }> {
    await this.lockSource(transaction, block.source);
    const created = await transaction.sourceBlock.create({
      data: {
        ...(block.id ? { id: block.id } : {}),
        source: block.source,
        reason: block.reason,
        expiresAt: block.until,
        createdById: block.createdById,
      },
    });
    return { block: created, change: await this.recordSourceState(transaction, block.source) };
  }

  /** Moves the end of an existing active block (a security response applied again). */
  async rescheduleInTransaction(
    transaction: Transaction,
    blockId: string,
    until: Date,
  ): Promise<{ block: SourceBlock; change: PendingConfigChange } | null> {
    const block = await transaction.sourceBlock.findUnique({ where: { id: blockId } });
    if (!block || block.liftedAt !== null) return null;
    await this.lockSource(transaction, block.source);
    const updated = await transaction.sourceBlock.update({
      where: { id: blockId },
      data: { expiresAt: until },
    });
    return { block: updated, change: await this.recordSourceState(transaction, block.source) };
  }

  /** Lifts a block inside the caller's transaction; null when it was not active. */
  async liftInTransaction(
    transaction: Transaction,
    block: SourceBlock,
    now = new Date(),
  ): Promise<{ block: SourceBlock; change: PendingConfigChange } | null> {
    await this.lockSource(transaction, block.source);
    const updated = await transaction.sourceBlock.updateMany({
      where: { id: block.id, liftedAt: null },
      data: { liftedAt: now },
    });
    if (updated.count === 0) return null;
    const lifted = await transaction.sourceBlock.findUniqueOrThrow({ where: { id: block.id } });
    return { block: lifted, change: await this.recordSourceState(transaction, block.source) };
  }

  publishBlocked(
    block: SourceBlock,
    principal: Principal,
    meta: RequestMeta,
    details: Record<string, unknown>,
  ): void {
    this.events.publish({
      action: 'source.blocked',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'source_block', id: block.id },
      ...meta,
      details: {
        source: block.source,
        until: block.expiresAt?.toISOString() ?? null,
        reason: block.reason,
        ...details,
      },
    });
  }

  publishUnblocked(
    block: SourceBlock,
    principal: Principal,
    meta: RequestMeta,
    details: Record<string, unknown>,
  ): void {
    this.events.publish({
      action: 'source.unblocked',
      outcome: 'success',
      actor: actorOf(principal),
      target: { type: 'source_block', id: block.id },
      ...meta,
      details: { source: block.source, ...details },
    });
  }

  private async lockSource(transaction: Transaction, source: string): Promise<void> {
    await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${SOURCE_LOCK}::int, hashtext(${source}))`;
  }

  /** Announces what gateways must now do for this address, given all its active blocks. */
  private async recordSourceState(
    transaction: Transaction,
    source: string,
  ): Promise<PendingConfigChange> {
    const now = new Date();
    const active = await transaction.sourceBlock.findMany({
      where: { source, liftedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      select: { expiresAt: true },
    });
    if (active.length === 0) {
      return this.configChanges.record(transaction, 'source.unblocked', source);
    }
    const until = active.some((block) => block.expiresAt === null)
      ? null
      : new Date(Math.max(...active.map((block) => block.expiresAt!.getTime())));
    return this.configChanges.record(transaction, 'source.blocked', source, until);
  }
}

/** The normalised address or range; a 400 naming `path` otherwise. */
export function parseSource(input: string, path: string): string {
  const parsed = normaliseSourceAddress(input);
  if (!parsed.ok) throw problems.validation([{ path, message: parsed.problem }]);
  return parsed.address;
}

/** An end must lie in the future and within MAX_DURATION_MS. */
export function checkUntil(until: Date | null, path: string, now = Date.now()): void {
  if (until === null) return;
  if (until.getTime() <= now) {
    throw problems.validation([{ path, message: 'must be in the future' }]);
  }
  if (until.getTime() - now > MAX_DURATION_MS) {
    throw problems.validation([{ path, message: 'must be at most 366 days ahead' }]);
  }
}

/** How a requester is stored: `service:<name>` or `user:<id>`. */
export function requesterOf(principal: Principal): string {
  return principal.kind === 'service' ? `service:${principal.service}` : `user:${principal.userId}`;
}
