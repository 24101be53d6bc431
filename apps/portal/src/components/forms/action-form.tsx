'use client';

import { createContext, use, useActionState, useEffect, useRef, type ReactNode } from 'react';
import { idleFormState, type FormState } from '../../forms/form-state';
import { CopyButton } from '../copy-button';
import { OneTimeCodeReveal } from '../one-time-code-reveal';
import { SecretReveal } from '../secret-reveal';
import styles from './forms.module.css';

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

const FormStateContext = createContext<{ state: FormState; pending: boolean }>({
  state: idleFormState,
  pending: false,
});

export function useFormState() {
  return use(FormStateContext);
}

/**
 * A form bound to a server action. Carries the CSRF token, shows a summary that screen readers
 * announce and that receives focus after a failed submit, and lets fields show their own errors.
 */
export function ActionForm({
  action,
  csrf,
  submitLabel,
  pendingLabel = 'Working…',
  children,
  className,
  variant = 'primary',
  label,
  successContent,
}: {
  action: Action;
  csrf: string;
  submitLabel: string;
  pendingLabel?: string;
  children?: ReactNode;
  className?: string;
  variant?: 'primary' | 'secondary' | 'danger';
  /** Accessible name of the form, when a page has several. */
  label?: string;
  /** Replaces the form once it succeeded (one-shot forms that show what happened). */
  successContent?: (state: FormState) => ReactNode;
}) {
  const [state, formAction, pending] = useActionState(action, idleFormState);
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (state.status === 'error') summary.current?.focus();
  }, [state]);

  if (state.status === 'success' && successContent) return <>{successContent(state)}</>;
  return (
    <FormStateContext value={{ state, pending }}>
      <form action={formAction} className={className ?? styles.form} aria-label={label} noValidate>
        <input type="hidden" name="csrf" value={csrf} />
        {state.status === 'error' && (
          <div ref={summary} tabIndex={-1} role="alert" className={styles.errorSummary}>
            <p className={styles.summaryTitle}>{state.message}</p>
            {state.formErrors && state.formErrors.length > 0 && (
              <ul>
                {state.formErrors.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        {state.status === 'success' && state.result?.oneTimeCode ? (
          <OneTimeCodeReveal
            kind={state.result.oneTimeCodeKind === 'invitation' ? 'invitation' : 'password-reset'}
            code={state.result.oneTimeCode}
            expiresAt={state.result.expiresAt ?? null}
            person={state.result.oneTimeCodeFor ?? null}
            pageUrl={state.result.pageUrl ?? ''}
          />
        ) : state.status === 'success' && state.result?.secret ? (
          <SecretReveal
            secret={state.result.secret}
            clientId={state.result.clientId ?? null}
            kind={state.result.kind ?? 'client_secret'}
          />
        ) : state.status === 'success' && state.message ? (
          <div role="status" className={styles.successMessage}>
            <p>{state.message}</p>
            {state.result?.clientId && (
              <p className="secret-row">
                <span className="secret-label">Client ID</span>
                <code className="secret-value" data-testid="new-client-id">
                  {state.result.clientId}
                </code>
                <CopyButton value={state.result.clientId} label="Copy client ID" />
              </p>
            )}
          </div>
        ) : null}
        {children}
        <div className={styles.actions}>
          <button
            type="submit"
            className={`button button-${variant}`}
            disabled={pending}
            aria-disabled={pending}
          >
            {pending ? pendingLabel : submitLabel}
          </button>
        </div>
      </form>
    </FormStateContext>
  );
}
