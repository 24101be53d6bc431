import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AlertStatus } from '@portcullis/contracts';
import type { Alert, PrismaClient } from '@portcullis/db';
import { Prisma } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { z } from 'zod';
import type { Detection } from './alert-detection.js';
import { AlertNotifier } from './alert-notifier.js';
import { AlertResponses } from './alert-responses.service.js';

/** Who changes an alert's state: a person (user id) or a service. */
export interface AlertChanger {
  /** Identity user id (stored in changedById), or null for a service. */
  userId: string | null;
  /** As it appears in the alert event's `changedBy`: the user id, or `service:<name>`. */
  label: string;
}

export interface AlertView {
  id: string;
  rule: string;
  severity: string;
  status: AlertStatus;
  dedupKey: string;
  summary: string;
  subject: unknown;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  changedById: string | null;
  changedAt: string | null;
  createdAt: string;
}

/** The person changing an alert; a non-UUID id is kept in the event but not in the uuid column. */
export function changerFor(userId: string): AlertChanger {
  return { userId: z.uuid().safeParse(userId).success ? userId : null, label: userId };
}

const ACTIVE: AlertStatus[] = ['open', 'acknowledged'];

/**
 * Alerts in PostgreSQL. One active (open or acknowledged) alert per dedupKey: a repeat counts on
 * it instead of opening another. Replicas serialize on a transaction-scoped advisory lock per
 * key, so two of them seeing the same burst still open one alert.
 */
@Injectable()
export class AlertStore {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly notifier: AlertNotifier,
    @Optional() private readonly responses?: AlertResponses,
  ) {}

  async raise(detection: Detection): Promise<{ alert: Alert; opened: boolean }> {
    const result = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${detection.dedupKey}, 0))`;
      const existing = await tx.alert.findFirst({
        where: { dedupKey: detection.dedupKey, status: { in: ACTIVE } },
        orderBy: { createdAt: 'desc' },
      });
      if (existing) {
        const lastSeenAt = detection.at > existing.lastSeenAt ? detection.at : existing.lastSeenAt;
        const alert = await tx.alert.update({
          where: { id: existing.id },
          data: {
            count: { increment: 1 },
            lastSeenAt,
            subject: detection.subject as Prisma.InputJsonValue,
          },
        });
        return { alert, opened: false };
      }
      const alert = await tx.alert.create({
        data: {
          rule: detection.rule,
          severity: detection.severity,
          dedupKey: detection.dedupKey,
          summary: detection.summary.slice(0, 1024),
          subject: detection.subject as Prisma.InputJsonValue,
          firstSeenAt: detection.at,
          lastSeenAt: detection.at,
        },
      });
      return { alert, opened: true };
    });
    if (result.opened) {
      this.notifier.notify(result.alert, 'opened', null);
      if (this.responses) void this.responses.onOpened(result.alert);
    } else if (isPowerOfTwo(result.alert.count)) {
      // Repeats are reported at 2, 4, 8, … so a long burst does not flood the SIEM.
      this.notifier.notify(result.alert, 'updated', null);
    }
    return result;
  }

  async list(filter: {
    status?: AlertStatus;
    rule?: string;
    limit: number;
    before?: string;
  }): Promise<AlertView[]> {
    const alerts = await this.prisma.alert.findMany({
      where: {
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.rule ? { rule: filter.rule } : {}),
        ...(filter.before ? { id: { lt: filter.before } } : {}),
      },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
    return alerts.map(toAlertView);
  }

  async get(id: string): Promise<AlertView> {
    return toAlertView(await this.#find(id));
  }

  acknowledge(id: string, by: AlertChanger): Promise<AlertView> {
    return this.#transition(id, 'acknowledged', ['open'], by);
  }

  resolve(id: string, by: AlertChanger): Promise<AlertView> {
    return this.#transition(id, 'resolved', ['open', 'acknowledged'], by);
  }

  async #transition(
    id: string,
    to: 'acknowledged' | 'resolved',
    from: AlertStatus[],
    by: AlertChanger,
  ): Promise<AlertView> {
    const current = await this.#find(id);
    // Conditional update: of two concurrent changes, one wins and the other gets a 409.
    const { count } = await this.prisma.alert.updateMany({
      where: { id, status: { in: from } },
      data: { status: to, changedById: by.userId, changedAt: new Date() },
    });
    if (count === 0) {
      throw problems.conflict(`The alert is ${current.status}; it cannot become ${to}.`);
    }
    const alert = await this.#find(id);
    this.notifier.notify(alert, to, by.label);
    return toAlertView(alert);
  }

  async #find(id: string): Promise<Alert> {
    const alert = z.uuid().safeParse(id).success
      ? await this.prisma.alert.findUnique({ where: { id } })
      : null;
    if (!alert) throw problems.notFound('The alert');
    return alert;
  }
}

export function toAlertView(alert: Alert): AlertView {
  return {
    id: alert.id,
    rule: alert.rule,
    severity: alert.severity,
    status: alert.status,
    dedupKey: alert.dedupKey,
    summary: alert.summary,
    subject: alert.subject,
    count: alert.count,
    firstSeenAt: alert.firstSeenAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    changedById: alert.changedById,
    changedAt: alert.changedAt?.toISOString() ?? null,
    createdAt: alert.createdAt.toISOString(),
  };
}

function isPowerOfTwo(value: number): boolean {
  return value > 1 && (value & (value - 1)) === 0;
}
