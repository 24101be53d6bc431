import { z } from 'zod';
import { paginationQuerySchema } from '../users/pagination.js';

export const requestSubscriptionSchema = z
  .strictObject({
    apiSlug: z.string().min(1).max(63),
    planId: z.uuid().optional(),
    planName: z.string().min(1).max(64).optional(),
    environment: z.enum(['sandbox', 'production']),
    /** Why the application needs access; shown to approvers. */
    justification: z.string().trim().max(2000).optional(),
  })
  .refine((value) => (value.planId === undefined) !== (value.planName === undefined), {
    error: 'give exactly one of planId or planName',
    path: ['planId'],
  });
export type RequestSubscriptionInput = z.infer<typeof requestSubscriptionSchema>;

const commentSchema = z.string().trim().min(1).max(2000);

export const approveSchema = z.strictObject({
  comment: commentSchema.optional(),
  /** Scopes to grant; default: every scope of the API. */
  scopes: z.array(z.string().min(1)).max(200).optional(),
});
export type ApproveInput = z.infer<typeof approveSchema>;

/** Reject, suspend and revoke say why. */
export const requiredCommentSchema = z.strictObject({ comment: commentSchema });
export type RequiredCommentInput = z.infer<typeof requiredCommentSchema>;

export const optionalCommentSchema = z.strictObject({ comment: commentSchema.optional() });
export type OptionalCommentInput = z.infer<typeof optionalCommentSchema>;

export const approvalsQuerySchema = paginationQuerySchema.extend({
  status: z
    .enum(['pending', 'approved', 'rejected', 'suspended', 'revoked', 'all'])
    .default('pending'),
  apiSlug: z.string().max(63).optional(),
});
export type ApprovalsQuery = z.infer<typeof approvalsQuerySchema>;
