import { unstable_rethrow } from 'next/navigation';
import { z } from 'zod';
import { problemSummary, problemToFieldErrors } from '../lib/problem';
import { BackendError } from '../server/backend';
import { assertCsrf, CsrfError } from '../server/session';
import type { FormState } from './form-state';

/** Fields never echoed back into a form. */
const SECRET_FIELDS = /password|secret|code|csrf/i;

export interface ActionSpec<Schema extends z.ZodType> {
  schema: Schema;
  /** API field names the form calls differently (`planId` → `plan`). */
  aliases?: Record<string, string>;
}

/**
 * The shared life of every form action: CSRF check, zod validation with per-field messages, the
 * call itself, and problem+json from the service mapped back onto the form's fields. Redirects
 * thrown by `run` pass through.
 */
export async function runAction<Schema extends z.ZodType>(
  formData: FormData,
  spec: ActionSpec<Schema>,
  run: (input: z.output<Schema>) => Promise<FormState | void>,
): Promise<FormState> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === 'string' && !SECRET_FIELDS.test(key) && !key.startsWith('$'))
      values[key] = value;
  }
  try {
    await assertCsrf(formData);
  } catch (error) {
    if (error instanceof CsrfError) return { status: 'error', message: error.message, values };
    throw error;
  }
  const raw: Record<string, unknown> = {};
  for (const key of new Set(formData.keys())) {
    if (key.startsWith('$') || key === 'csrf') continue;
    const all = formData.getAll(key).filter((value): value is string => typeof value === 'string');
    raw[key] = all.length > 1 ? all : all[0];
  }
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    const formErrors: string[] = [];
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (typeof field === 'string') (fieldErrors[field] ??= []).push(issue.message);
      else formErrors.push(issue.message);
    }
    return {
      status: 'error',
      message: 'Please correct the highlighted fields.',
      fieldErrors,
      formErrors,
      values,
    };
  }
  try {
    return (await run(parsed.data)) ?? { status: 'success' };
  } catch (error) {
    unstable_rethrow(error);
    if (error instanceof BackendError) {
      const fields = Object.keys(raw);
      const mapped = problemToFieldErrors(error.problem, fields, spec.aliases);
      const hasFieldErrors = Object.keys(mapped.fields).length > 0;
      return {
        status: 'error',
        message: hasFieldErrors
          ? 'Please correct the highlighted fields.'
          : problemSummary(error.problem),
        fieldErrors: mapped.fields,
        formErrors: hasFieldErrors
          ? mapped.form
          : mapped.form.filter((m) => m !== problemSummary(error.problem)),
        values,
      };
    }
    console.error('portal: form action failed', error instanceof Error ? error.name : 'unknown');
    return {
      status: 'error',
      message: 'Something went wrong on our side. Please try again.',
      values,
    };
  }
}
