import { z } from 'zod';

export const slugSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');

export const createTeamSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  slug: slugSchema.optional(),
  description: z.string().max(2000).optional(),
});
export type CreateTeamInput = z.infer<typeof createTeamSchema>;

export const addMemberSchema = z.strictObject({
  email: z.email().max(320),
  role: z.enum(['owner', 'member']).default('member'),
});
export type AddMemberInput = z.infer<typeof addMemberSchema>;

/** A URL-safe slug from a display name, for teams created on the user's behalf. */
export function slugify(text: string): string {
  const base = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return base.length >= 2 ? base : 'team';
}
