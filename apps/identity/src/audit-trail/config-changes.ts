import { Inject, Injectable } from '@nestjs/common';
import {
  buildEvent,
  configChangeEventSchema,
  TOPICS,
  type ConfigChangeKind,
} from '@portcullis/contracts';
import type { Prisma, PrismaClient } from '@portcullis/db';
import type { EventPublisher } from '@portcullis/kafka';
import { EVENT_PRODUCER, PRISMA } from '@portcullis/nest-service';
import { currentTraceId } from '@portcullis/telemetry';
import { ConfigVersion } from './config-version.js';

type Transaction = Prisma.TransactionClient;

/** Advisory lock key guarding the config version sequence (any constant unique in this database). */
const CONFIG_VERSION_LOCK = 7_401_001;

/**
 * Records that the gateways' view changed. The row (in the caller's transaction) gives the
 * monotonic config version; the event tells gateways at once. A gateway that sees a version gap
 * re-reads the snapshot, so a lost event costs a refresh, never a stale revocation.
 */
@Injectable()
export class ConfigChanges {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(EVENT_PRODUCER) private readonly producer: EventPublisher,
    private readonly configVersion: ConfigVersion,
  ) {}

  /** Call inside the transaction that makes the change; then call `announce` after commit. */
  async record(
    transaction: Transaction,
    kind: ConfigChangeKind,
    entityId: string,
    until: Date | null = null,
  ): Promise<PendingConfigChange> {
    // Serialise writers so versions become visible in order: a gateway reading "up to 7" must
    // never miss a 6 that commits later.
    await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${CONFIG_VERSION_LOCK})`;
    const row = await transaction.configChange.create({ data: { kind, entityId, until } });
    return { kind, entityId, until, version: Number(row.id) };
  }

  /** Publishes recorded changes once their transaction has committed. */
  announce(...changes: PendingConfigChange[]): void {
    // Whatever changed, the token endpoint on this replica sees it with its very next request.
    if (changes.length > 0) this.configVersion.invalidate();
    for (const change of changes) {
      const event = buildEvent(configChangeEventSchema, {
        source: 'identity',
        traceId: currentTraceId(),
        data: {
          kind: change.kind,
          configVersion: change.version,
          entityId: change.entityId,
          until: change.until?.toISOString() ?? null,
        },
      });
      this.producer.publish(TOPICS.configChanges, change.entityId, event);
    }
  }

  /** Record and announce in one go, for changes made outside a larger transaction. */
  async recordAndAnnounce(
    kind: ConfigChangeKind,
    entityId: string,
    until: Date | null = null,
  ): Promise<number> {
    const change = await this.prisma.$transaction((transaction) =>
      this.record(transaction, kind, entityId, until),
    );
    this.announce(change);
    return change.version;
  }

  async currentVersion(): Promise<number> {
    const latest = await this.prisma.configChange.findFirst({
      orderBy: { id: 'desc' },
      select: { id: true },
    });
    return latest ? Number(latest.id) : 0;
  }
}

export interface PendingConfigChange {
  kind: ConfigChangeKind;
  entityId: string;
  until: Date | null;
  version: number;
}
