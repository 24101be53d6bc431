import { z } from 'zod';
import { accessEventSchema } from './access-event.js';
import { alertEventSchema } from './alert-event.js';
import { auditCheckpointEventSchema } from './audit-checkpoint-event.js';
import { configChangeEventSchema } from './config-change-event.js';
import { managementEventSchema } from './management-event.js';

const knownEventSchema = z.discriminatedUnion('type', [
  accessEventSchema,
  managementEventSchema,
  alertEventSchema,
  configChangeEventSchema,
  auditCheckpointEventSchema,
]);
export type KnownEvent = z.infer<typeof knownEventSchema>;

export type ParseEventResult =
  { ok: true; event: KnownEvent } | { ok: false; reason: string; id: string | null };

/** Parses raw bytes from Kafka into a known event, or says why it is not one (for the dead-letter topic). */
export function parseEvent(raw: Buffer | string | null): ParseEventResult {
  if (raw === null) return { ok: false, reason: 'empty message', id: null };
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON', id: null };
  }
  const id =
    typeof json === 'object' && json !== null && typeof (json as { id?: unknown }).id === 'string'
      ? (json as { id: string }).id
      : null;
  const result = knownEventSchema.safeParse(json);
  if (!result.success) {
    return { ok: false, reason: z.prettifyError(result.error), id };
  }
  return { ok: true, event: result.data };
}
