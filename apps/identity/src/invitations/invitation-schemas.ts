import { z } from 'zod';
import { paginationQuerySchema } from '../users/pagination.js';
import { emailSchema } from '../users/user-schemas.js';

export const issueInvitationSchema = z.strictObject({
  email: emailSchema,
});
export type IssueInvitationInput = z.infer<typeof issueInvitationSchema>;

export const invitationStatusSchema = z.enum(['pending', 'used', 'expired', 'revoked']);
export type InvitationStatus = z.infer<typeof invitationStatusSchema>;

export const listInvitationsQuerySchema = paginationQuerySchema.extend({
  status: invitationStatusSchema.optional(),
});
export type ListInvitationsQuery = z.infer<typeof listInvitationsQuerySchema>;
