import type { Metadata } from 'next';
import Link from 'next/link';
import { redeemPasswordReset } from '../../../actions/password-reset-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { TextField } from '../../../components/forms/fields';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Set a new password' };

/**
 * Public: someone who cannot sign in sets a new password with the one-time code an administrator
 * gave them. The code is typed into the form, never carried in the address.
 */
export default async function PasswordResetPage() {
  return (
    <section className="container page auth-page" aria-labelledby="page-title">
      <h1 id="page-title">Set a new password</h1>
      <p className="lead">
        Forgot your password, or locked out? An administrator of this Portcullis can give you a
        one-time reset code. Setting the new password signs your account out everywhere.
      </p>
      <ActionForm
        action={redeemPasswordReset}
        csrf={await csrfToken()}
        submitLabel="Set new password"
        pendingLabel="Setting your password…"
      >
        <TextField
          name="resetCode"
          label="Reset code"
          autoComplete="off"
          maxLength={256}
          hint="The code from your administrator; it starts with pcl_pwr_ and works once."
          required
        />
        <TextField
          name="newPassword"
          label="New password"
          type="password"
          autoComplete="new-password"
          minLength={12}
          hint="At least 12 characters. A passphrase of a few words works well."
          required
        />
      </ActionForm>
      <p className="auth-alt">
        Remembered it? <Link href="/sign-in">Sign in</Link>.
      </p>
    </section>
  );
}
