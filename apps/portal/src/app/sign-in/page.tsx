import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { signIn } from '../../actions/session-actions';
import { ActionForm } from '../../components/forms/action-form';
import { HiddenField, TextField } from '../../components/forms/fields';
import { safeReturnPath } from '../../lib/return-path';
import { csrfToken, currentViewer } from '../../server/session';

export const metadata: Metadata = { title: 'Sign in' };

const REASONS: Record<string, string> = {
  expired: 'Your session has ended. Please sign in again.',
  'signed-out': 'You are signed out.',
  'device-forgotten':
    'This browser is forgotten and signed out. Signing in here again makes it a new device.',
  'password-reset':
    'Your new password is set, and every session of your account has ended. Sign in with the new password.',
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = safeReturnPath(params.next);
  if (await currentViewer()) redirect(next);
  const reason = typeof params.reason === 'string' ? REASONS[params.reason] : undefined;
  return (
    <section className="container page auth-page" aria-labelledby="page-title">
      <h1 id="page-title">Sign in to Portcullis</h1>
      {reason && (
        <p className="notice" role="status">
          {reason}
        </p>
      )}
      <ActionForm
        action={signIn}
        csrf={await csrfToken()}
        submitLabel="Sign in"
        pendingLabel="Signing in…"
      >
        <HiddenField name="next" value={next} />
        <TextField name="email" label="Email" type="email" autoComplete="email" required />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
        />
      </ActionForm>
      <p className="auth-alt">
        New to Portcullis? <Link href="/sign-up">Create a developer account</Link>.
      </p>
      <p className="auth-alt">
        Have a reset code from an administrator?{' '}
        <Link href="/sign-in/reset">Set a new password</Link>.
      </p>
    </section>
  );
}
