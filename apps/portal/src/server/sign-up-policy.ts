import { BackendError, identity } from './backend';
import { signUpPolicySchema, type SignUpPolicy } from './models';

/**
 * identity's sign-up policy (public); null when it cannot be read: the pages then say less, and
 * identity still decides at sign-up.
 */
export async function readSignUpPolicy(): Promise<SignUpPolicy | null> {
  try {
    return await identity('/v1/sign-up-policy', signUpPolicySchema, { authenticated: false });
  } catch (error) {
    if (error instanceof BackendError) return null;
    throw error;
  }
}
