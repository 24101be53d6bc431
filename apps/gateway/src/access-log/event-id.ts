import { randomFillSync } from 'node:crypto';

const IDS_PER_FILL = 256;
const pool = Buffer.alloc(IDS_PER_FILL * 10);
let next = IDS_PER_FILL;

/**
 * A UUIDv7 (RFC 9562: 48-bit Unix ms timestamp, 74 random bits) like the contracts' newEventId,
 * but drawing its random bits from a pool filled 256 ids at a time: one access event per request
 * made the per-id `getRandomValues` call a visible cost at full load.
 */
export function accessEventId(now = Date.now()): string {
  if (next === IDS_PER_FILL) {
    randomFillSync(pool);
    next = 0;
  }
  const offset = next * 10;
  next += 1;
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  pool.copy(bytes, 6, offset, offset + 10);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
