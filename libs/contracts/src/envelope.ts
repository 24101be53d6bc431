import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';

/** W3C Trace Context trace id: 32 lowercase hex characters, not all zero. */
export const traceIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters')
  .refine((value) => value !== '0'.repeat(32), 'must not be all zeros');

export const eventSourceSchema = z.enum(['identity', 'gateway', 'audit']);
export type EventSource = z.infer<typeof eventSourceSchema>;

/**
 * Builds the schema of one event type: the common envelope (`id`, `type`, `version`, `time`,
 * `source`, `traceId`) around a typed `data`. Every Kafka payload is one of these.
 */
export function defineEventSchema<
  const Type extends string,
  const Version extends number,
  Data extends z.ZodType,
>(type: Type, version: Version, data: Data) {
  return z.strictObject({
    id: z.uuid({ version: 'v7' }),
    type: z.literal(type),
    version: z.literal(version),
    time: z.iso.datetime({ offset: true }),
    source: eventSourceSchema,
    traceId: traceIdSchema.nullable(),
    data,
  });
}

/** The envelope fields without a typed body: what every consumer can rely on before dispatch. */
export const eventEnvelopeSchema = z.object({
  id: z.uuid({ version: 'v7' }),
  type: z.string().min(1),
  version: z.number().int().positive(),
  time: z.iso.datetime({ offset: true }),
  source: eventSourceSchema,
  traceId: traceIdSchema.nullable(),
  data: z.unknown(),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/** UUIDv7: time-ordered, so ids sort by creation and index well. */
export function newEventId(): string {
  return uuidv7();
}

export interface EventInit<Data> {
  source: EventSource;
  traceId?: string | null;
  data: Data;
  /** Defaults to now; override only when replaying or in tests. */
  time?: Date;
  id?: string;
}

/** Creates and validates an event, so an invalid one never reaches Kafka. */
export function buildEvent<Schema extends ReturnType<typeof defineEventSchema>>(
  schema: Schema,
  init: EventInit<z.input<Schema>['data']>,
): z.output<Schema> {
  const shape = schema.shape;
  return schema.parse({
    id: init.id ?? newEventId(),
    type: shape.type.value,
    version: shape.version.value,
    time: (init.time ?? new Date()).toISOString(),
    source: init.source,
    traceId: init.traceId ?? null,
    data: init.data,
  });
}
