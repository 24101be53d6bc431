import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { signUp } from '../../actions/session-actions';
import { ActionForm } from '../../components/forms/action-form';
import { TextField } from '../../components/forms/fields';
import { csrfToken, currentViewer } from '../../server/session';

export const metadata: Metadata = { title: 'Sign up' };

export default async function SignUpPage() {
  if (await currentViewer()) redirect('/dashboard');
  return (
    <section className="container page auth-page" aria-labelledby="page-title">
      <h1 id="page-title">Create your developer account</h1>
      <p className="lead">
        Register applications, request access to APIs and manage their credentials. You get a
        personal team to start with; invite colleagues later.
      </p>
      <ActionForm
        action={signUp}
        csrf={await csrfToken()}
        submitLabel="Create account"
        pendingLabel="Creating your account…"
      >
        <TextField name="displayName" label="Your name" autoComplete="name" required />
        <TextField name="email" label="Work email" type="email" autoComplete="email" required />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          minLength={12}
          hint="At least 12 characters. A passphrase of a few words works well."
          required
        />
      </ActionForm>
      <p className="auth-alt">
        Already have an account? <Link href="/sign-in">Sign in</Link>.
      </p>
    </section>
  );
}
