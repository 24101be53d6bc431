import { z } from 'zod';

/** RFC 9457 problem details as the identity and audit services send them. */
export const problemSchema = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().int().optional(),
  detail: z.string().optional(),
  errors: z.array(z.looseObject({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/** What a form shows: one message per field, plus errors that belong to no field. */
export interface FieldErrorMap {
  fields: Record<string, string[]>;
  form: string[];
}

/**
 * Maps a problem's `errors` onto the form's own field names. The API reports paths such as
 * `password` or `credentials.0.environment`; a form field matches on the whole path or on its first
 * segment, and `aliases` translates API names the form calls differently (`planId` → `plan`).
 * Anything unmatched becomes a form-level message, so no error is silently dropped.
 */
export function problemToFieldErrors(
  problem: Problem,
  formFields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): FieldErrorMap {
  const fields: Record<string, string[]> = {};
  const form: string[] = [];
  const known = new Set(formFields);
  for (const error of problem.errors ?? []) {
    const path = error.path.trim();
    const head = path.split('.')[0] ?? '';
    const candidates = [path, aliases[path], head, aliases[head]];
    const field = candidates.find(
      (candidate): candidate is string => candidate !== undefined && known.has(candidate),
    );
    if (field) (fields[field] ??= []).push(asSentence(error.message));
    else form.push(path && path !== '(root)' ? `${path}: ${error.message}` : error.message);
  }
  if (form.length === 0 && Object.keys(fields).length === 0) form.push(problemSummary(problem));
  return { fields, form };
}

/**
 * Services phrase field errors as fragments after the field's name ("is not a readable
 * certificate", "must be a public key"); under the field itself they read better as sentences.
 */
export function asSentence(message: string): string {
  const trimmed = message.trim();
  if (/^(is|are|has|have|must|should|was|were)\b/.test(trimmed)) return `This ${trimmed}`;
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** One sentence for people: the detail when it says something, else the title, else the status. */
export function problemSummary(problem: Problem): string {
  const detail = problem.detail?.trim();
  if (detail && detail !== 'See errors for details.') return detail;
  const title = problem.title?.trim();
  if (title) return title.charAt(0).toUpperCase() + title.slice(1) + '.';
  if (problem.status) return `The request failed (HTTP ${problem.status}).`;
  return 'Something went wrong. Please try again.';
}

/** Reads a response body as a problem, whatever the service actually sent. */
export function toProblem(status: number, body: unknown): Problem {
  const parsed = problemSchema.safeParse(body);
  if (parsed.success) return { ...parsed.data, status: parsed.data.status ?? status };
  return { status, title: status >= 500 ? 'The service failed' : 'The request was refused' };
}
