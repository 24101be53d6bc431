import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, problems } from '@portcullis/nest-service';
import type { IdentityConfig } from '../config.js';

export interface SignUpPolicyView {
  mode: IdentityConfig['SIGN_UP_MODE'];
  /** Domains open sign-up accepts without an invitation; empty: any. */
  emailDomains: string[];
}

/**
 * Who may create an account without an invitation. Checked before the address is looked up, so a
 * refused sign-up says nothing about whether an account exists.
 */
@Injectable()
export class SignUpPolicy {
  constructor(@Inject(CONFIG) private readonly config: IdentityConfig) {}

  view(): SignUpPolicyView {
    return { mode: this.config.SIGN_UP_MODE, emailDomains: this.config.SIGN_UP_EMAIL_DOMAINS };
  }

  /** Throws 403 when `email` may not sign up without an invitation. */
  assertOpenTo(email: string): void {
    if (this.config.SIGN_UP_MODE === 'invitation') {
      throw problems.forbidden(
        'Sign-up needs an invitation: ask an administrator for an invitation code.',
      );
    }
    const domains = this.config.SIGN_UP_EMAIL_DOMAINS;
    if (domains.length === 0) return;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (domains.includes(domain)) return;
    throw problems.forbidden(
      `Sign-up is open to addresses at ${domains.join(', ')}; for another address, ask an administrator for an invitation code.`,
    );
  }
}
