import { z } from 'zod';
import { emailSchema } from '../users/user-schemas.js';

export const signInSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
  /**
   * The token an earlier successful sign-in returned as `deviceToken`: wrong passwords from this
   * device then count against it alone, and a lockout of everybody else leaves it signing in.
   * Unknown, expired or someone else's tokens are ignored (the sign-in counts as a new device).
   */
  deviceToken: z.string().max(128).optional(),
});
export type SignInInput = z.infer<typeof signInSchema>;
