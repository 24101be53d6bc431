import { z } from 'zod';

export const newPasswordSchema = z.string().min(12, 'must be at least 12 characters').max(256);

/** Re-authentication for sensitive changes of a signed-in account (a session alone is not enough). */
export const currentPasswordSchema = z.string().min(1, 'enter your current password').max(256);

export const changePasswordSchema = z.strictObject({
  currentPassword: currentPasswordSchema,
  newPassword: newPasswordSchema,
});
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;

export const redeemPasswordResetSchema = z.strictObject({
  token: z.string().min(1).max(256),
  newPassword: newPasswordSchema,
});
export type RedeemPasswordResetInput = z.infer<typeof redeemPasswordResetSchema>;
