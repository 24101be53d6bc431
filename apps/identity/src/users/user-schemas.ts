import { z } from 'zod';

export const emailSchema = z
  .email()
  .max(320)
  .transform((value) => value.trim().toLowerCase());

export const signUpSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(12, 'must be at least 12 characters').max(256),
  displayName: z.string().trim().min(1).max(100),
  /** From an admin's invitation: needed when SIGN_UP_MODE=invitation, or for an address outside SIGN_UP_EMAIL_DOMAINS. */
  invitationCode: z.string().trim().min(1).max(128).optional(),
});
export type SignUpInput = z.infer<typeof signUpSchema>;
