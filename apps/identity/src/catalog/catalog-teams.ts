import { createHash } from 'node:crypto';

/**
 * Teams the catalog applier creates carry a mark in their id, so a later run can tell them from a
 * team someone registered under the same slug through `POST /v1/teams` (slugs are caller-chosen,
 * and no API lets a caller choose an id). The id is a UUIDv7 whose 74 "random" bits are a hash of
 * the slug instead: still time-ordered like every other id, no schema change needed.
 */
function markOf(slug: string): string {
  const digest = createHash('sha256').update(`portcullis catalog team\0${slug}`).digest('hex');
  const variant = (0b1000 | (Number.parseInt(digest[3]!, 16) & 0b11)).toString(16);
  // Everything after the 48-bit timestamp: version 7, rand_a (12 bits), variant, rand_b (62 bits).
  return `7${digest.slice(0, 3)}${variant}${digest.slice(4, 19)}`;
}

/** A new id for the catalog's team `slug`, created now. */
export function catalogTeamId(slug: string, now = Date.now()): string {
  const hex = `${now.toString(16).padStart(12, '0').slice(-12)}${markOf(slug)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether the catalog created the team with this id under this slug. */
export function isCatalogTeamId(id: string, slug: string): boolean {
  return id.replaceAll('-', '').toLowerCase().slice(12) === markOf(slug);
}
