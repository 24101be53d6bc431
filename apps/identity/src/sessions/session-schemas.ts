import { z } from 'zod';
import { emailSchema } from '../users/user-schemas.js';

export const signInSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
});
export type SignInInput = z.infer<typeof signInSchema>;
