import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@portcullis/contracts';
import { newEventId } from '@portcullis/contracts';
import type { Alert, AlertResponse, PrismaClient } from '@portcullis/db';
import { LOGGER, PRISMA, ProblemException, problems } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AuditManagementEvents } from '../siem/sink-management-events.js';
import { applyResponseSchema, type AutoResponses } from './alert-response-config.js';
import { IdentityResponsesClient, type ResponseAction } from './identity-responses-client.js';

export const IDENTITY_RESPONSES = Symbol('IDENTITY_RESPONSES');
export const AUTO_RESPONSES = Symbol('AUTO_RESPONSES');

export interface AlertResponseView {
  id: string;
  alertId: string;
  action: ResponseAction;
  target: string;
  until: string | null;
  createdById: string | null;
  createdAt: string;
  undoneAt: string | null;
  undoneById: string | null;
}

/**
 * Responses to alerts: block a source address or suspend a credential for a while, through
 * identity. Recorded in alert_responses, published as management events, undoable until undone.
 */
@Injectable()
export class AlertResponses {
  readonly #logger: Logger;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(IDENTITY_RESPONSES) private readonly identity: IdentityResponsesClient,
    @Inject(AUTO_RESPONSES) private readonly auto: AutoResponses,
    private readonly events: AuditManagementEvents,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.#logger = logger.child({ component: 'alert-responses' });
  }

  async list(alertId: string): Promise<AlertResponseView[]> {
    await this.#alert(alertId);
    const rows = await this.prisma.alertResponse.findMany({
      where: { alertId },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(toResponseView);
  }

  async apply(
    alertId: string,
    input: z.output<typeof applyResponseSchema>,
    actor: Actor,
  ): Promise<AlertResponseView> {
    const alert = await this.#alert(alertId);
    const target = input.target ?? targetFromSubject(alert, input.action);
    if (!target) {
      throw problems.badRequest(
        `The alert names no ${input.action === 'block_ip' ? 'source address' : 'credential'}; give a target.`,
      );
    }
    const id = newEventId();
    const until = new Date(Date.now() + input.minutes * 60_000);
    try {
      await this.identity.apply({
        id,
        action: input.action,
        target,
        until,
        alertId,
        reason: alert.summary,
      });
    } catch (error) {
      throw new ProblemException(
        502,
        'identity-unavailable',
        'Identity did not apply the response',
        error instanceof Error ? error.message : 'identity failed',
      );
    }
    const row = await this.prisma.alertResponse.create({
      data: {
        id,
        alertId,
        action: input.action,
        target,
        until,
        createdById: actor.type === 'user' ? uuidOrNull(actor.id) : null,
      },
    });
    this.#publish('alert.response_applied', actor, row);
    return toResponseView(row);
  }

  async undo(alertId: string, responseId: string, actor: Actor): Promise<AlertResponseView> {
    const row = z.uuid().safeParse(responseId).success
      ? await this.prisma.alertResponse.findFirst({ where: { id: responseId, alertId } })
      : null;
    if (!row) throw problems.notFound('The response');
    if (row.undoneAt) throw problems.conflict('The response was already undone.');
    try {
      await this.identity.undo(row.id);
    } catch (error) {
      throw new ProblemException(
        502,
        'identity-unavailable',
        'Identity did not undo the response',
        error instanceof Error ? error.message : 'identity failed',
      );
    }
    const { count } = await this.prisma.alertResponse.updateMany({
      where: { id: row.id, undoneAt: null },
      data: {
        undoneAt: new Date(),
        undoneById: actor.type === 'user' ? uuidOrNull(actor.id) : null,
      },
    });
    if (count === 0) throw problems.conflict('The response was already undone.');
    const undone = await this.prisma.alertResponse.findUniqueOrThrow({ where: { id: row.id } });
    this.#publish('alert.response_undone', actor, undone);
    return toResponseView(undone);
  }

  /** The rule's automatic response, if configured, when its alert opens. Never throws. */
  async onOpened(alert: Alert): Promise<void> {
    const rule = this.auto[alert.rule];
    if (!rule) return;
    try {
      await this.apply(
        alert.id,
        { action: rule.action, minutes: rule.minutes },
        { type: 'system', id: null, label: 'audit' },
      );
    } catch (error) {
      this.#logger.warn(
        { alertId: alert.id, reason: error instanceof Error ? error.message : String(error) },
        'automatic alert response failed',
      );
    }
  }

  async #alert(alertId: string): Promise<Alert> {
    const alert = z.uuid().safeParse(alertId).success
      ? await this.prisma.alert.findUnique({ where: { id: alertId } })
      : null;
    if (!alert) throw problems.notFound('The alert');
    return alert;
  }

  #publish(
    action: 'alert.response_applied' | 'alert.response_undone',
    actor: Actor,
    row: AlertResponse,
  ): void {
    this.events.publish({
      action,
      outcome: 'success',
      actor,
      target: { type: 'alert_response', id: row.id },
      details: {
        alertId: row.alertId,
        action: row.action,
        target: row.target,
        until: row.until?.toISOString() ?? null,
      },
    });
  }
}

function targetFromSubject(alert: Alert, action: ResponseAction): string | null {
  const subject = (alert.subject ?? {}) as Record<string, unknown>;
  const value =
    action === 'block_ip' ? (subject.sourceIp ?? subject.lastSourceIp) : subject.credentialId;
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function uuidOrNull(id: string | null): string | null {
  return id !== null && z.uuid().safeParse(id).success ? id : null;
}

export function toResponseView(row: AlertResponse): AlertResponseView {
  return {
    id: row.id,
    alertId: row.alertId,
    action: row.action,
    target: row.target,
    until: row.until?.toISOString() ?? null,
    createdById: row.createdById,
    createdAt: row.createdAt.toISOString(),
    undoneAt: row.undoneAt?.toISOString() ?? null,
    undoneById: row.undoneById,
  };
}
