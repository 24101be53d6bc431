import type { Metadata } from 'next';
import { verifyMfa } from '../../../actions/session-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { HiddenField, TextField } from '../../../components/forms/fields';
import { RecoveryCodeOption } from '../../../components/mfa/recovery-code-option';
import { TotpEnrolment } from '../../../components/mfa/totp-enrolment';
import { safeReturnPath } from '../../../lib/return-path';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Two-factor verification' };

export default async function MfaPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = safeReturnPath(params.next);
  const csrf = await csrfToken();
  if (params.enrol === '1') {
    return (
      <section className="container page auth-page" aria-labelledby="page-title">
        <h1 id="page-title">Set up two-factor sign-in</h1>
        <p className="lead">
          Your role approves access or sees the audit trail, so this installation asks for a second
          factor. Add Portcullis to an authenticator app on your phone to continue.
        </p>
        <TotpEnrolment csrf={csrf} doneHref={next} />
      </section>
    );
  }
  return (
    <section className="container page auth-page" aria-labelledby="page-title">
      <h1 id="page-title">Two-factor verification</h1>
      <p className="lead">
        Your role needs a second factor. Open your authenticator app and enter the current 6-digit
        code for Portcullis.
      </p>
      <ActionForm action={verifyMfa} csrf={csrf} submitLabel="Verify" pendingLabel="Verifying…">
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
        <RecoveryCodeOption hint="One of the codes you saved when you turned on two-factor sign-in; each works once." />
      </ActionForm>
    </section>
  );
}
