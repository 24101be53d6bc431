/** What a server action hands back to its form. */
export interface FormState {
  status: 'idle' | 'error' | 'success';
  /** A sentence for the whole form: what went wrong, or what was done. */
  message?: string;
  fieldErrors?: Record<string, string[]>;
  /** Errors that belong to no field shown on the form. */
  formErrors?: string[];
  /** What was typed, so a failed form keeps it (never passwords or secrets). */
  values?: Record<string, string>;
  /** Action-specific data for the form to show (e.g. a secret shown once). */
  result?: Record<string, string | null>;
}

export const idleFormState: FormState = { status: 'idle' };
