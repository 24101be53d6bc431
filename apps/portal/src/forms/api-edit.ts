import { z } from 'zod';

/**
 * The "edit an API" form: description, approval modes and plans. Plans arrive as flat fields
 * (`plans.0.name`, `plans.0.ratePerSecond`, …) so identity's error paths (`plans.1.burst`) land
 * on the very input that caused them.
 */
const approvalMode = z.enum(['auto', 'manual'], 'Choose automatic or manual approval');

const planFieldsSchema = z.object({
  name: z
    .string()
    .trim()
    .max(64, 'Keep it under 64 characters')
    .optional()
    .transform((value) => value ?? ''),
  description: z
    .string()
    .trim()
    .max(500, 'Keep it under 500 characters')
    .optional()
    .transform((value) => (value ? value : null)),
  ratePerSecond: z.string().trim().optional(),
  burst: z.string().trim().optional(),
  monthlyQuota: z.string().trim().optional(),
  approvalMode: z.enum(['inherit', 'auto', 'manual']).default('inherit'),
  remove: z.string().optional(),
});

const wholeNumber = (max: number) =>
  z.coerce
    .number('Enter a number')
    .int('Use a whole number')
    .positive('Use a number above 0')
    .max(max, `At most ${max.toLocaleString('en')}`);

export interface PlanInput {
  name: string;
  description: string | null;
  ratePerSecond: number;
  burst?: number;
  monthlyQuota: number | null;
  approvalMode: 'auto' | 'manual' | null;
}

export const editApiFormSchema = z
  .record(z.string(), z.union([z.string(), z.array(z.string())]))
  .transform((raw, context) => {
    const field = (name: string) => {
      const value = raw[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const issue = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });

    const version = z.coerce.number().int().positive().safeParse(field('version'));
    if (!version.success) issue('version', 'Reload the page and try again');
    const description = (field('description') ?? '').trim();
    if (description.length > 5000) issue('description', 'Keep it under 5000 characters');
    const sandbox = approvalMode.safeParse(field('approvalSandbox'));
    if (!sandbox.success) issue('approvalSandbox', 'Choose automatic or manual approval');
    const production = approvalMode.safeParse(field('approvalProduction'));
    if (!production.success) issue('approvalProduction', 'Choose automatic or manual approval');

    const indexes = [
      ...new Set(
        Object.keys(raw)
          .map((key) => /^plans\.(\d+)\./.exec(key)?.[1])
          .filter((index): index is string => index !== undefined),
      ),
    ].sort((a, b) => Number(a) - Number(b));
    const plans: PlanInput[] = [];
    for (const index of indexes) {
      const at = (name: string) => `plans.${index}.${name}`;
      const parsed = planFieldsSchema.safeParse({
        name: field(at('name')),
        description: field(at('description')),
        ratePerSecond: field(at('ratePerSecond')),
        burst: field(at('burst')),
        monthlyQuota: field(at('monthlyQuota')),
        approvalMode: field(at('approvalMode')),
        remove: field(at('remove')),
      });
      if (!parsed.success) {
        for (const problem of parsed.error.issues)
          issue(at(String(problem.path[0])), problem.message);
        continue;
      }
      const plan = parsed.data;
      // An untouched "new plan" row, or a plan marked for removal, is left out.
      if (plan.remove === 'on') continue;
      if (!plan.name && !plan.ratePerSecond && index === indexes.at(-1)) continue;
      if (!plan.name) {
        issue(at('name'), 'Enter a plan name');
        continue;
      }
      const rate = wholeNumber(1_000_000).safeParse(plan.ratePerSecond);
      if (!rate.success) issue(at('ratePerSecond'), rate.error.issues[0]!.message);
      const burst = plan.burst ? wholeNumber(10_000_000).safeParse(plan.burst) : null;
      if (burst && !burst.success) issue(at('burst'), burst.error.issues[0]!.message);
      const quota = plan.monthlyQuota ? wholeNumber(10 ** 12).safeParse(plan.monthlyQuota) : null;
      if (quota && !quota.success) issue(at('monthlyQuota'), quota.error.issues[0]!.message);
      if (rate.success && (!burst || burst.success) && (!quota || quota.success)) {
        plans.push({
          name: plan.name,
          description: plan.description,
          ratePerSecond: rate.data,
          ...(burst?.success ? { burst: burst.data } : {}),
          monthlyQuota: quota?.success ? quota.data : null,
          approvalMode: plan.approvalMode === 'inherit' ? null : plan.approvalMode,
        });
      }
    }
    if (!version.success || !sandbox.success || !production.success) return z.NEVER;
    return {
      version: version.data,
      description: description || null,
      approval: { sandbox: sandbox.data, production: production.data },
      plans,
    };
  });
export type EditApiInput = z.output<typeof editApiFormSchema>;
