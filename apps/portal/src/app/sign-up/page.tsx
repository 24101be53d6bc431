import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { signUp } from '../../actions/session-actions';
import { ActionForm } from '../../components/forms/action-form';
import { TextField } from '../../components/forms/fields';
import { signUpFormLayout } from '../../lib/sign-up-form';
import { csrfToken, currentViewer } from '../../server/session';
import { readSignUpPolicy } from '../../server/sign-up-policy';

export const metadata: Metadata = { title: 'Sign up' };

export default async function SignUpPage() {
  if (await currentViewer()) redirect('/dashboard');
  const [policy, csrf] = await Promise.all([readSignUpPolicy(), csrfToken()]);
  const layout = signUpFormLayout(policy);
  return (
    <section className="container page auth-page" aria-labelledby="page-title">
      <h1 id="page-title">Create your developer account</h1>
      <p className="lead">
        Register applications, request access to APIs and manage their credentials. You get a
        personal team to start with; invite colleagues later.
      </p>
      {layout.notice && (
        <p className="notice" role="note">
          {layout.notice}
        </p>
      )}
      <ActionForm
        action={signUp}
        csrf={csrf}
        submitLabel="Create account"
        pendingLabel="Creating your account…"
      >
        <TextField name="displayName" label="Your name" autoComplete="name" required />
        <TextField
          name="email"
          label="Work email"
          type="email"
          autoComplete="email"
          hint={layout.emailHint ?? undefined}
          required
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          minLength={12}
          hint="At least 12 characters. A passphrase of a few words works well."
          required
        />
        {layout.invitationCode && (
          <TextField
            name="invitationCode"
            label="Invitation code"
            autoComplete="off"
            maxLength={128}
            hint={layout.invitationCode.hint}
            required={layout.invitationCode.required}
          />
        )}
      </ActionForm>
      <p className="auth-alt">
        Already have an account? <Link href="/sign-in">Sign in</Link>.
      </p>
    </section>
  );
}
