import { z } from 'zod';

/** Longest a response or block may last when it has an end (a year and a day). */
export const MAX_DURATION_MS = 366 * 24 * 60 * 60 * 1000;

const instant = z.iso
  .datetime({ offset: true, error: 'must be an RFC 3339 date-time with offset' })
  .transform((value) => new Date(value));

/** `PUT /v1/security/responses/:id` — the contract of audit's IdentityResponsesClient. */
export const securityResponseSchema = z.strictObject({
  action: z.enum(['block_ip', 'suspend_credential']),
  /** An IP address or CIDR range (block_ip), or a credential id (suspend_credential). */
  target: z.string().trim().min(1).max(100),
  until: instant,
  reason: z.string().trim().min(1).max(2000),
  /** What triggered it: audit names itself and its alert. */
  source: z
    .strictObject({
      service: z.string().trim().min(1).max(64),
      alertId: z.string().trim().min(1).max(100).nullable().optional(),
    })
    .optional(),
});
export type SecurityResponseInput = z.infer<typeof securityResponseSchema>;

/** `POST /v1/security/blocks` — a block set by hand. */
export const createBlockSchema = z.strictObject({
  source: z.string().trim().min(1).max(64),
  reason: z.string().trim().min(1).max(2000),
  /** When the block lapses; absent or null: until lifted. */
  until: instant.nullable().optional(),
});
export type CreateBlockInput = z.infer<typeof createBlockSchema>;

export const listBlocksQuerySchema = z.strictObject({
  /** `true`: also lifted and lapsed blocks (newest 200). */
  includeInactive: z.enum(['true', 'false']).optional(),
});
export type ListBlocksQuery = z.infer<typeof listBlocksQuerySchema>;
