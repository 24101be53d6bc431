/** Who may sign up, as identity's `GET /v1/sign-up-policy` says (null: it could not be read). */
export interface SignUpPolicyView {
  mode: 'open' | 'invitation';
  emailDomains: readonly string[];
}

/** What the sign-up form shows for a policy. */
export interface SignUpFormLayout {
  /** A sentence above the form, when sign-up is restricted. */
  notice: string | null;
  /** The email field's hint. */
  emailHint: string | null;
  /** The invitation code field: required, optional (with its hint), or not shown. */
  invitationCode: { required: boolean; hint: string } | null;
}

/** Lists domains for a sentence: `a.example`, `a.example or b.example`, `a, b or c`. */
export function listDomains(domains: readonly string[]): string {
  if (domains.length <= 1) return domains[0] ?? '';
  return `${domains.slice(0, -1).join(', ')} or ${domains[domains.length - 1]}`;
}

/**
 * The form for each policy: by invitation, a required code; open to some domains, a hint naming
 * them and an optional code for other addresses; open to all, no code. When the policy could not
 * be read, an optional code (identity still decides).
 */
export function signUpFormLayout(policy: SignUpPolicyView | null): SignUpFormLayout {
  if (!policy) {
    return {
      notice: null,
      emailHint: null,
      invitationCode: {
        required: false,
        hint: 'Only if an administrator gave you an invitation code.',
      },
    };
  }
  if (policy.mode === 'invitation') {
    return {
      notice:
        'Sign-up is by invitation: an administrator gives you an invitation code for your e-mail address.',
      emailHint: 'The address your invitation was made out to.',
      invitationCode: {
        required: true,
        hint: 'It starts with pcl_inv_. No code yet? Ask an administrator of this Portcullis to invite you.',
      },
    };
  }
  if (policy.emailDomains.length > 0) {
    const domains = listDomains(policy.emailDomains);
    return {
      notice: null,
      emailHint: `Sign-up is open to addresses at ${domains}.`,
      invitationCode: {
        required: false,
        hint: `Only for an address at another domain than ${domains}: the code an administrator gave you.`,
      },
    };
  }
  return { notice: null, emailHint: null, invitationCode: null };
}
