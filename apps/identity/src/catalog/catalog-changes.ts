import { Injectable } from '@nestjs/common';
import type { Actor } from '@portcullis/contracts';
import type { Prisma } from '@portcullis/db';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { RequestMeta } from '../auth/request-meta.js';
import type { ApiWriteResult } from './catalog-writer.js';

const NO_META: RequestMeta = { sourceIp: null, userAgent: null };

/** Records (in the transaction) and announces (after commit) what a catalog write changed. */
@Injectable()
export class CatalogChanges {
  constructor(
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
  ) {}

  async record(
    transaction: Prisma.TransactionClient,
    result: ApiWriteResult,
  ): Promise<PendingConfigChange | null> {
    if (result.changedFields.length === 0) return null;
    return this.configChanges.record(transaction, 'api.changed', result.api.id);
  }

  announce(
    result: ApiWriteResult,
    pending: PendingConfigChange | null,
    actor: Actor,
    meta: RequestMeta = NO_META,
  ): void {
    if (!pending) return;
    this.configChanges.announce(pending);
    const { api } = result;
    const common = {
      outcome: 'success' as const,
      actor,
      apiId: api.id,
      teamId: api.ownerTeamId,
      ...meta,
    };
    this.events.publish({
      ...common,
      action: result.created ? 'api.created' : 'api.updated',
      target: { type: 'api', id: api.id },
      details: {
        slug: api.slug,
        version: api.version,
        changed: result.changedFields,
        ...(result.plansDeleted.length > 0 ? { plansDeleted: result.plansDeleted } : {}),
      },
    });
    for (const [action, plans] of [
      ['plan.created', result.plansCreated],
      ['plan.updated', result.plansUpdated],
    ] as const) {
      for (const plan of plans) {
        this.events.publish({
          ...common,
          action,
          target: { type: 'plan', id: plan.id },
          details: {
            name: plan.name,
            ratePerSecond: plan.ratePerSecond,
            burst: plan.burst,
            monthlyQuota: plan.monthlyQuota,
            approvalMode: plan.approvalMode,
          },
        });
      }
    }
  }
}
