'use client';

import { useId } from 'react';
import { formatDateTime } from '../lib/format';
import { CopyButton } from './copy-button';

/**
 * A one-time code an admin passes on to someone (an invitation to sign up, a password reset),
 * shown exactly once from the server action's answer: a warning, the code as selectable text, a
 * copy button, when it expires, and what the person does with it. Never put in a URL.
 */
export function OneTimeCodeReveal({
  kind,
  code,
  expiresAt,
  person,
  pageUrl,
}: {
  kind: 'invitation' | 'password-reset';
  code: string;
  expiresAt: string | null;
  /** The e-mail address an invitation names. */
  person: string | null;
  /** The page where the person enters the code. */
  pageUrl: string;
}) {
  const titleId = useId();
  const invitation = kind === 'invitation';
  const what = invitation ? 'invitation code' : 'password reset code';
  return (
    <section className="secret-reveal" aria-labelledby={titleId}>
      <h3 id={titleId}>
        {invitation
          ? `Invitation code for ${person ?? 'the invited address'}`
          : 'Password reset code'}
      </h3>
      <p className="secret-warning" role="note">
        <strong>Copy it now — this is the only time it is shown.</strong> Portcullis keeps only a
        hash. If it gets lost, {invitation ? 'invite the address again' : 'issue a new code'}: that
        voids this one.
      </p>
      <div className="secret-row">
        <span className="secret-label">{invitation ? 'Invitation code' : 'Reset code'}</span>
        <code className="secret-value" data-testid="one-time-code">
          {code}
        </code>
        <CopyButton value={code} label={`Copy ${what}`} />
      </div>
      <p>
        Works once, until <strong>{formatDateTime(expiresAt)}</strong>.
      </p>
      {invitation ? (
        <p>
          Give {person ?? 'the person'} this code yourself (in person, by chat or phone — not in a
          link), together with the sign-up page’s address, <code>{pageUrl}</code>. They sign up
          there with exactly this e-mail address and enter the code.
        </p>
      ) : (
        <p>
          Give the person this code yourself (in person, by chat or phone — not in a link). They set
          a new password on the portal’s “Set a new password” page, <code>{pageUrl}</code>; the code
          works once, and setting the password ends every session of theirs.
        </p>
      )}
    </section>
  );
}
