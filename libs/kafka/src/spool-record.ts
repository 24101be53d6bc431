import { z } from 'zod';

/** One event on its way to Kafka, as held in memory and as one line of a spool file. */
export interface SpoolRecord {
  topic: string;
  key: string;
  id: string;
  /** Publish time (ms since epoch): the Kafka message timestamp, also after a replay. */
  timestamp: number;
  /** The event as JSON text, exactly as it is sent. */
  value: string;
}

// The event is embedded as JSON (not as an escaped string) so an operator can read a spool file.
const spoolLineSchema = z.object({
  topic: z.string().min(1),
  key: z.string(),
  id: z.string().min(1),
  ts: z.number().int().nonnegative(),
  value: z.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  ),
});

export function encodeSpoolLine(record: SpoolRecord): string {
  return (
    `{"topic":${JSON.stringify(record.topic)},"key":${JSON.stringify(record.key)},` +
    `"id":${JSON.stringify(record.id)},"ts":${record.timestamp},"value":${record.value}}\n`
  );
}

/** Parses one spool line (without its newline); undefined for a torn or foreign line. */
export function decodeSpoolLine(line: string): SpoolRecord | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = spoolLineSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { topic, key, id, ts, value } = parsed.data;
  // Re-serialising JSON that JSON.stringify produced gives back the same text.
  return { topic, key, id, timestamp: ts, value: JSON.stringify(value) };
}
