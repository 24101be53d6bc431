import type { Metadata } from 'next';
import Link from 'next/link';
import { ComingSoon } from '../../components/coming-soon';

export const metadata: Metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <ComingSoon title="Sign in">
      <p>
        Signing in to the portal is not open yet. Developers, approvers and security staff will sign
        in here with their email address and password.
      </p>
      <p>
        New here? <Link href="/sign-up">Read about developer accounts</Link>.
      </p>
    </ComingSoon>
  );
}
