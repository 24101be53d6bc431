'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import {
  confirmTotpEnrolment,
  regenerateRecoveryCodes,
  startTotpEnrolment,
} from '../../actions/mfa-actions';
import { idleFormState, type FormState } from '../../forms/form-state';
import { CopyButton } from '../copy-button';
import { ActionForm } from '../forms/action-form';
import { TextField } from '../forms/fields';
import formStyles from '../forms/forms.module.css';
import { QrCode } from '../qr-code';

/**
 * TOTP enrolment in two steps: start (identity makes a secret and shows it this once), then
 * confirm with a code from the app and the current password (identity asks for it, so a stolen
 * session cannot enrol its own phone). The secret lives only in this component's state.
 */
export function TotpEnrolment({
  csrf,
  doneHref = '/account',
}: {
  csrf: string;
  /** Where "Continue" leads once enrolled (the sign-in step passes the page asked for). */
  doneHref?: string;
}) {
  const [state, start, pending] = useActionState(startTotpEnrolment, idleFormState);
  const secret = state.status === 'success' ? state.result?.totpSecret : null;
  const uri = state.status === 'success' ? state.result?.otpauthUri : null;
  if (secret && uri) return <TotpSetup secret={secret} uri={uri} csrf={csrf} doneHref={doneHref} />;
  return (
    <form action={start} aria-label="Set up two-factor sign-in" className={formStyles.form}>
      <input type="hidden" name="csrf" value={csrf} />
      {state.status === 'error' && (
        <div role="alert" className={formStyles.errorSummary}>
          <p className={formStyles.summaryTitle}>{state.message}</p>
        </div>
      )}
      <p>
        Add a second step to signing in: a 6-digit code from an authenticator app (such as
        1Password, Google Authenticator or FreeOTP) on your phone.
      </p>
      <div className={formStyles.actions}>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Starting…' : 'Set up an authenticator app'}
        </button>
      </div>
    </form>
  );
}

/** The QR code, the key for manual entry and the confirmation, all replaced once confirmed. */
function TotpSetup({
  secret,
  uri,
  csrf,
  doneHref,
}: {
  secret: string;
  uri: string;
  csrf: string;
  doneHref: string;
}) {
  return (
    <ActionForm
      action={confirmTotpEnrolment}
      csrf={csrf}
      submitLabel="Turn on two-factor sign-in"
      pendingLabel="Checking…"
      label="Confirm two-factor sign-in"
      successContent={(state) => <EnrolmentDone state={state} doneHref={doneHref} />}
    >
      <h3>1. Add Portcullis to your authenticator app</h3>
      <p>Scan this code with the app.</p>
      <QrCode value={uri} label="QR code that adds Portcullis to an authenticator app" />
      <p>Cannot scan it? Enter this key by hand (time-based, 6 digits, 30 seconds):</p>
      <p className="secret-row">
        <span className="secret-label">Key</span>
        <code className="secret-value" data-testid="totp-secret">
          {secret}
        </code>
        <CopyButton value={secret} label="Copy key" />
      </p>
      <details>
        <summary>Show the setup link (otpauth URI)</summary>
        <p className="secret-row">
          <code className="secret-value break-all" data-testid="totp-uri">
            {uri}
          </code>
          <CopyButton value={uri} label="Copy setup link" />
        </p>
      </details>
      <h3>2. Confirm with a code from the app and your password</h3>
      <TextField
        name="code"
        label="6-digit code"
        inputMode="numeric"
        autoComplete="one-time-code"
        minLength={6}
        maxLength={6}
        required
      />
      <TextField
        name="currentPassword"
        label="Current password"
        type="password"
        autoComplete="current-password"
        hint="The one you sign in with: it proves the change is yours, not someone's at an unlocked screen. Five wrong passwords in a row lock the account for 15 minutes."
        required
      />
    </ActionForm>
  );
}

function EnrolmentDone({ state, doneHref }: { state: FormState; doneHref: string }) {
  return (
    <div className="totp-setup">
      <p role="status" className={formStyles.successMessage}>
        {state.message}
      </p>
      <RecoveryCodes state={state} />
      <p>
        {/* A full page load: the session just changed, nothing prefetched before may be reused. */}
        <a className="button button-primary" href={doneHref}>
          Continue
        </a>
      </p>
    </div>
  );
}

/** Recovery codes, shown this once with a warning and a copy button. */
function RecoveryCodes({ state }: { state: FormState }) {
  const codes = state.result?.recoveryCodes?.split('\n').filter(Boolean) ?? [];
  if (codes.length === 0) return null;
  return (
    <section className="secret-reveal" aria-labelledby="recovery-title">
      <h3 id="recovery-title">Your recovery codes</h3>
      <p className="secret-warning" role="note">
        <strong>Save them now — this is the only time they are shown.</strong> Each one signs you in
        once if you lose your phone. Keep them in your password manager.
      </p>
      <ul className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <CopyButton value={codes.join('\n')} label="Copy recovery codes" />
    </section>
  );
}

/** Replaces the recovery codes (a current TOTP code proves it is the owner). */
export function RecoveryCodesRenewal({ csrf, remaining }: { csrf: string; remaining?: number }) {
  return (
    <ActionForm
      action={regenerateRecoveryCodes}
      csrf={csrf}
      submitLabel="Replace recovery codes"
      pendingLabel="Replacing…"
      variant="secondary"
      label="Replace recovery codes"
      successContent={(state) => (
        <div className="totp-setup">
          <p role="status" className={formStyles.successMessage}>
            {state.message}
          </p>
          <RecoveryCodes state={state} />
          <p>
            <Link className="button button-secondary" href="/account">
              Done
            </Link>
          </p>
        </div>
      )}
    >
      <p>
        {remaining === undefined
          ? 'Recovery codes sign you in when your phone is lost.'
          : remaining === 1
            ? '1 unused recovery code left.'
            : `${remaining} unused recovery codes left.`}{' '}
        Replace them if they were exposed or are running out.
      </p>
      <TextField
        name="code"
        label="Current 6-digit code"
        inputMode="numeric"
        autoComplete="one-time-code"
        minLength={6}
        maxLength={6}
        required
      />
    </ActionForm>
  );
}
