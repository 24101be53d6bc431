import { Inject, Injectable } from '@nestjs/common';
import { newEventId } from '@portcullis/contracts';
import { Prisma, type PrismaClient, type SiemSink } from '@portcullis/db';
import { KAFKA, PRISMA, problems } from '@portcullis/nest-service';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import type { AuditActor } from './audit-actor.js';
import { groupLag, groupsLag, initGroupPosition } from './consumer-start-position.js';
import { resolveSink, sinkKindSchema, type SinkKind } from './sink-config.js';
import { CONFIGURATION_ERROR_PREFIX } from './sink-delivery.js';
import { AuditManagementEvents } from './sink-management-events.js';
import { SINK_TOPICS, sinkGroupId } from './sink-runner.js';
import { SINK_SECRET_CIPHER, SinkSupervisor } from './sink-supervisor.js';
import type { SinkSecretCipher } from './sink-secret-cipher.js';

export const exportableTypeSchema = z.enum([
  'gateway.access',
  'identity.management',
  'audit.alert',
  'audit.checkpoint',
]);

export const createSinkSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: sinkKindSchema,
  /** Kind-specific settings (see the README); validated against the kind. */
  config: z.record(z.string(), z.unknown()),
  /** Kind-specific secret (HEC token, webhook secret, TLS client key); never returned. */
  secret: z.record(z.string(), z.unknown()).optional(),
  eventTypes: z.array(exportableTypeSchema).max(4).default([]),
  enabled: z.boolean().default(true),
  /** Where a new sink starts: events from now on (default) or everything Kafka still holds. */
  startFrom: z.enum(['latest', 'earliest']).default('latest'),
});
export type CreateSinkInput = z.input<typeof createSinkSchema>;

export const updateSinkSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  /** Replaces the settings (the kind cannot change). */
  config: z.record(z.string(), z.unknown()).optional(),
  /** Replaces the secret. */
  secret: z.record(z.string(), z.unknown()).optional(),
  eventTypes: z.array(exportableTypeSchema).max(4).optional(),
  enabled: z.boolean().optional(),
});
export type UpdateSinkInput = z.input<typeof updateSinkSchema>;

export interface SinkView {
  id: string;
  name: string;
  kind: SinkKind;
  config: unknown;
  hasSecret: boolean;
  eventTypes: string[];
  enabled: boolean;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SinkStatus {
  id: string;
  enabled: boolean;
  /** Events on the topics this sink has not exported yet (all replicas together). */
  lag: number | null;
  /** False while the last attempt failed. */
  healthy: boolean;
  /**
   * While unhealthy, what kind of failure: `configuration` (the destination refuses the events as
   * sent, e.g. a wrong token or index; retried slowly until fixed) or `delivery` (down, busy,
   * unreachable; retried with backoff). Null while healthy.
   */
  errorKind: 'configuration' | 'delivery' | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  consumerGroup: string;
}

export interface SinkWithStatus extends SinkView {
  status: SinkStatus;
}

/** Sinks through the API: settings validated per kind, secrets encrypted and never shown again. */
@Injectable()
export class SiemSinksService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SINK_SECRET_CIPHER) private readonly cipher: SinkSecretCipher,
    private readonly supervisor: SinkSupervisor,
    private readonly events: AuditManagementEvents,
  ) {}

  async list(): Promise<SinkView[]> {
    const sinks = await this.prisma.siemSink.findMany({ orderBy: { createdAt: 'asc' } });
    return sinks.map(toView);
  }

  /** Every sink with its export status; the lags come from one admin connection, not one per sink. */
  async listWithStatus(): Promise<SinkWithStatus[]> {
    const sinks = await this.prisma.siemSink.findMany({ orderBy: { createdAt: 'asc' } });
    const lags = await groupsLag(
      this.kafka,
      sinks.map((sink) => sinkGroupId(sink.id)),
      SINK_TOPICS,
    ).catch(() => null);
    return sinks.map((sink) => ({
      ...toView(sink),
      status: statusOf(sink, lags?.get(sinkGroupId(sink.id)) ?? null),
    }));
  }

  async get(id: string): Promise<SinkView> {
    return toView(await this.#find(id));
  }

  async create(body: z.output<typeof createSinkSchema>, actor: AuditActor): Promise<SinkView> {
    const id = newEventId();
    const resolved = validated(() => resolveSink(id, body.kind, body.config, body.secret));
    const hasSecret = Object.keys(resolved.secret).length > 0;
    // The group's position is fixed before any member joins, so nothing published from now on
    // is missed while the exporter starts.
    await initGroupPosition(this.kafka, sinkGroupId(id), SINK_TOPICS, body.startFrom);
    let sink: SiemSink;
    try {
      sink = await this.prisma.siemSink.create({
        data: {
          id,
          name: body.name,
          kind: body.kind,
          config: resolved.config as Prisma.InputJsonValue,
          secretEncrypted: hasSecret ? this.cipher.encrypt(id, resolved.secret) : null,
          eventTypes: body.eventTypes,
          enabled: body.enabled,
        },
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw problems.conflict(`A sink named ${body.name} exists.`);
      throw error;
    }
    this.#publish('sink.created', actor, sink, { name: sink.name, kind: sink.kind });
    await this.supervisor.reconcile();
    return toView(sink);
  }

  async update(
    id: string,
    body: z.output<typeof updateSinkSchema>,
    actor: AuditActor,
  ): Promise<SinkView> {
    const current = await this.#find(id);
    const data: Prisma.SiemSinkUpdateInput = {};
    if (body.config !== undefined || body.secret !== undefined) {
      const currentSecret =
        body.secret ??
        (current.secretEncrypted ? this.cipher.decrypt(id, current.secretEncrypted) : {});
      const resolved = validated(() =>
        resolveSink(id, current.kind, body.config ?? current.config, currentSecret),
      );
      data.config = resolved.config as Prisma.InputJsonValue;
      if (body.secret !== undefined) {
        data.secretEncrypted =
          Object.keys(resolved.secret).length > 0 ? this.cipher.encrypt(id, resolved.secret) : null;
      }
    }
    if (body.name !== undefined) data.name = body.name;
    if (body.eventTypes !== undefined) data.eventTypes = body.eventTypes;
    if (body.enabled !== undefined) data.enabled = body.enabled;
    let sink: SiemSink;
    try {
      sink = await this.prisma.siemSink.update({ where: { id }, data });
    } catch (error) {
      if (isUniqueViolation(error)) throw problems.conflict(`A sink named ${body.name} exists.`);
      throw error;
    }
    // Names of what changed, never the values (the secret among them).
    this.#publish('sink.updated', actor, sink, { changed: Object.keys(body).sort() });
    await this.supervisor.reconcile();
    return toView(sink);
  }

  async delete(id: string, actor: AuditActor): Promise<void> {
    const sink = await this.#find(id);
    await this.prisma.siemSink.delete({ where: { id } });
    this.#publish('sink.deleted', actor, sink, { name: sink.name, kind: sink.kind });
    await this.supervisor.reconcile();
    await this.#deleteGroup(id);
  }

  async status(id: string): Promise<SinkStatus> {
    const sink = await this.#find(id);
    const lag = await groupLag(this.kafka, sinkGroupId(id), SINK_TOPICS).catch(() => null);
    return statusOf(sink, lag);
  }

  async #find(id: string): Promise<SiemSink> {
    const sink = z.uuid().safeParse(id).success
      ? await this.prisma.siemSink.findUnique({ where: { id } })
      : null;
    if (!sink) throw problems.notFound('The sink');
    return sink;
  }

  /** Other replicas may still be leaving the group; a leftover group is harmless. */
  async #deleteGroup(id: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteGroups([sinkGroupId(id)]);
    } catch {
      // Group not empty yet or already gone.
    } finally {
      await admin.disconnect();
    }
  }

  #publish(
    action: 'sink.created' | 'sink.updated' | 'sink.deleted',
    actor: AuditActor,
    sink: SiemSink,
    details: Record<string, unknown>,
  ): void {
    this.events.publish({
      action,
      outcome: 'success',
      actor,
      target: { type: 'siem_sink', id: sink.id },
      details,
    });
  }
}

/** `lag` is null when Kafka could not be asked. */
function statusOf(sink: SiemSink, lag: number | null): SinkStatus {
  const healthy =
    sink.lastErrorAt === null ||
    (sink.lastSuccessAt !== null && sink.lastSuccessAt > sink.lastErrorAt);
  return {
    id: sink.id,
    enabled: sink.enabled,
    lag,
    healthy,
    // Derived from the stored text: the table has no column for it.
    errorKind: healthy
      ? null
      : sink.lastError?.startsWith(CONFIGURATION_ERROR_PREFIX)
        ? 'configuration'
        : 'delivery',
    lastSuccessAt: sink.lastSuccessAt?.toISOString() ?? null,
    lastError: sink.lastError,
    lastErrorAt: sink.lastErrorAt?.toISOString() ?? null,
    consumerGroup: sinkGroupId(sink.id),
  };
}

export function toView(sink: SiemSink): SinkView {
  return {
    id: sink.id,
    name: sink.name,
    kind: sink.kind,
    config: sink.config,
    hasSecret: sink.secretEncrypted !== null,
    eventTypes: sink.eventTypes,
    enabled: sink.enabled,
    lastSuccessAt: sink.lastSuccessAt?.toISOString() ?? null,
    lastError: sink.lastError,
    lastErrorAt: sink.lastErrorAt?.toISOString() ?? null,
    createdAt: sink.createdAt.toISOString(),
    updatedAt: sink.updatedAt.toISOString(),
  };
}

/** Kind-specific validation errors as a 400 listing each problem (values never echoed). */
function validated<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw problems.validation(
        error.issues.map((issue) => ({
          path: issue.path.join('.') || '(root)',
          message: issue.message,
        })),
      );
    }
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
