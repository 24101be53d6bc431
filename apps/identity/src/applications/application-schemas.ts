import { z } from 'zod';
import { paginationQuerySchema } from '../users/pagination.js';

export const createApplicationSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).nullable().optional(),
});
export type CreateApplicationInput = z.infer<typeof createApplicationSchema>;

export const patchApplicationSchema = createApplicationSchema.partial();
export type PatchApplicationInput = z.infer<typeof patchApplicationSchema>;

export const listApplicationsQuerySchema = paginationQuerySchema.extend({
  teamId: z.uuid().optional(),
});
export type ListApplicationsQuery = z.infer<typeof listApplicationsQuerySchema>;

export const deleteApplicationQuerySchema = z.object({
  /** Revoke live subscriptions first instead of refusing. */
  revokeSubscriptions: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true'),
});
export type DeleteApplicationQuery = z.output<typeof deleteApplicationQuerySchema>;
