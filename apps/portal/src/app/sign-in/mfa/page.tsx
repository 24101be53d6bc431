import type { Metadata } from 'next';
import { verifyMfa } from '../../../actions/session-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { HiddenField, TextField } from '../../../components/forms/fields';
import { safeReturnPath } from '../../../lib/return-path';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Two-factor verification' };

export default async function MfaPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeReturnPath((await searchParams).next);
  return (
    <section className="container page auth-page" aria-labelledby="page-title">
      <h1 id="page-title">Two-factor verification</h1>
      <p className="lead">
        Your role needs a second factor. Open your authenticator app and enter the current 6-digit
        code for Portcullis.
      </p>
      <ActionForm
        action={verifyMfa}
        csrf={await csrfToken()}
        submitLabel="Verify"
        pendingLabel="Verifying…"
      >
        <HiddenField name="next" value={next} />
        <TextField
          name="code"
          label="Authentication code"
          inputMode="numeric"
          autoComplete="one-time-code"
          minLength={6}
          maxLength={6}
          required
        />
        <details className="recovery-option">
          <summary>Lost your phone? Use a recovery code</summary>
          <TextField
            name="recoveryCode"
            label="Recovery code"
            hint="One of the codes you saved when you turned on two-factor sign-in; each works once."
            autoComplete="off"
            maxLength={64}
          />
        </details>
      </ActionForm>
    </section>
  );
}
