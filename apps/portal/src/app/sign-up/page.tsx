import type { Metadata } from 'next';
import { ComingSoon } from '../../components/coming-soon';

export const metadata: Metadata = { title: 'Sign up' };

export default function SignUpPage() {
  return (
    <ComingSoon title="Create a developer account">
      <p>
        Self-service sign-up is not open yet. With an account you will register applications,
        request access to APIs and manage their credentials.
      </p>
    </ComingSoon>
  );
}
