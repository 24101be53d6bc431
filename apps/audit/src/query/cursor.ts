import { problems } from '@portcullis/nest-service';
import { z } from 'zod';

/** Position after which the next page starts: the last row's (time, id), newest first. */
export interface PagePosition {
  time: Date;
  id: string;
}

const cursorSchema = z.strictObject({ t: z.iso.datetime(), i: z.uuid() });

/** Opaque to clients: base64url of the position. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify({ t: position.time.toISOString(), i: position.id })).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): PagePosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success) {
    throw problems.validation([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  }
  return { time: new Date(parsed.data.t), id: parsed.data.i };
}
