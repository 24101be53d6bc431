import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, LOGGER, PRISMA } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import { SYSTEM_ACTOR } from '../auth/request-meta.js';
import type { IdentityConfig } from '../config.js';
import {
  CredentialSuspensions,
  type SuspensionOutcome,
} from '../security/credential-suspensions.js';

/** Rows handled per transaction; a sweep runs batches until nothing is left. */
const BATCH = 200;

interface DueRow {
  id: string;
  application_id: string;
  team_id: string;
  kind: string;
  environment: string;
  client_id: string | null;
  expires_at: Date | null;
  grace_until: Date | null;
}

export interface SweepResult {
  expired: number;
  suspensionsLapsed: number;
}

/**
 * Expiry and grace periods already take effect by the clock everywhere (token endpoint, gateway,
 * API views); the sweep writes them down: credentials past `expiresAt`, or rotated out and past
 * `graceUntil`, become `expired`, announced as `credential.changed` and published as
 * `credential.expired`. It also ends suspensions whose `until` passed. Every replica sweeps;
 * rows are claimed with `FOR UPDATE SKIP LOCKED`, so two replicas never handle the same one and
 * each change is announced once.
 */
@Injectable()
export class CredentialSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | null = null;
  private stopped = false;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
    private readonly suspensions: CredentialSuspensions,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.CREDENTIAL_SWEEP_INTERVAL_SECONDS;
    if (seconds === 0) return;
    // Replicas started together spread their sweeps over the interval.
    const first = Math.floor(Math.random() * seconds * 1000);
    this.timer = setTimeout(() => this.tick(seconds * 1000), first);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private tick(intervalMs: number): void {
    void this.sweep()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'credential sweep failed'))
      .finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(() => this.tick(intervalMs), intervalMs);
        this.timer.unref();
      });
  }

  /** One sweep now (a sweep already running on this replica is joined, not doubled). */
  sweep(now = new Date()): Promise<SweepResult> {
    this.running ??= this.run(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(now: Date): Promise<SweepResult> {
    const result: SweepResult = { expired: 0, suspensionsLapsed: 0 };
    for (;;) {
      const expired = await this.expireBatch(now);
      result.expired += expired;
      if (expired < BATCH || this.stopped) break;
    }
    for (;;) {
      const lapsed = await this.lapseBatch(now);
      result.suspensionsLapsed += lapsed;
      if (lapsed < BATCH || this.stopped) break;
    }
    if (result.expired > 0 || result.suspensionsLapsed > 0) {
      this.logger.info(result, 'credential sweep');
    }
    return result;
  }

  private async expireBatch(now: Date): Promise<number> {
    const { rows, changes } = await this.prisma.$transaction(async (transaction) => {
      const due = await transaction.$queryRaw<DueRow[]>`
        SELECT c.id, c.application_id, a.team_id, c.kind::text AS kind,
               c.environment::text AS environment, c.client_id, c.expires_at, c.grace_until
          FROM identity.credentials c
          JOIN identity.applications a ON a.id = c.application_id
         WHERE c.status IN ('active', 'suspended')
           AND (c.expires_at <= ${now} OR c.grace_until <= ${now})
         ORDER BY c.id
         LIMIT ${BATCH}
           FOR UPDATE OF c SKIP LOCKED`;
      if (due.length === 0) return { rows: due, changes: [] };
      await transaction.credential.updateMany({
        where: { id: { in: due.map((row) => row.id) } },
        data: { status: 'expired', suspendedUntil: null },
      });
      const recorded: PendingConfigChange[] = [];
      for (const row of due) {
        recorded.push(await this.configChanges.record(transaction, 'credential.changed', row.id));
      }
      return { rows: due, changes: recorded };
    });
    this.configChanges.announce(...changes);
    for (const row of rows) {
      const graceEnded =
        row.grace_until !== null &&
        row.grace_until <= now &&
        (row.expires_at === null || row.grace_until <= row.expires_at);
      this.events.publish({
        action: 'credential.expired',
        outcome: 'success',
        actor: SYSTEM_ACTOR,
        target: { type: 'credential', id: row.id },
        teamId: row.team_id,
        appId: row.application_id,
        details: {
          reason: graceEnded ? 'grace_period_ended' : 'expired',
          kind: row.kind,
          environment: row.environment,
          clientId: row.client_id,
          expiresAt: row.expires_at?.toISOString() ?? null,
          graceUntil: row.grace_until?.toISOString() ?? null,
        },
      });
    }
    return rows.length;
  }

  private async lapseBatch(now: Date): Promise<number> {
    const outcomes = await this.prisma.$transaction(async (transaction) => {
      const ids = await this.suspensions.lockLapsed(transaction, now, BATCH);
      const results: SuspensionOutcome[] = [];
      for (const id of ids) {
        const outcome = await this.suspensions.reconcile(transaction, id, now);
        if (outcome) results.push(outcome);
      }
      return results;
    });
    this.configChanges.announce(
      ...outcomes.flatMap((outcome) => (outcome.change ? [outcome.change] : [])),
    );
    for (const outcome of outcomes) {
      if (!outcome.wasSuspended || outcome.isSuspended) continue;
      this.events.publish({
        action: 'credential.suspension_lifted',
        outcome: 'success',
        actor: SYSTEM_ACTOR,
        target: { type: 'credential', id: outcome.credential.id },
        teamId: outcome.credential.application.teamId,
        appId: outcome.credential.applicationId,
        details: { reason: 'lapsed', credentialStatus: outcome.credential.status },
      });
    }
    return outcomes.length;
  }
}
