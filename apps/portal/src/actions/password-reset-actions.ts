'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import { emptyFormSchema, passwordResetFormSchema } from '../forms/schemas';
import { portalAddress } from '../server/portal-address';
import { apiPath, BackendError, identity } from '../server/backend';
import { issuedPasswordResetSchema } from '../server/models';
import { endSession } from '../server/session';

/** Where people redeem a reset code (public). */
const PASSWORD_RESET_PATH = '/sign-in/reset';

const RESET_CODE_REFUSED =
  'This reset code does not work: it may be mistyped, used already, replaced by a newer one or expired. Ask an administrator for a new code.';

/**
 * An admin issues a one-time password reset code for someone who cannot sign in. identity
 * returns it this once (a newer one voids it): it goes back to the admin's form only.
 */
export async function issuePasswordReset(
  userId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    const issued = await identity(
      apiPath`/v1/users/${userId}/password-reset`,
      issuedPasswordResetSchema,
      { method: 'POST', body: {} },
    );
    const origin = await portalAddress();
    return {
      status: 'success',
      message: 'Password reset code issued.',
      result: {
        oneTimeCode: issued.token,
        oneTimeCodeKind: 'password-reset',
        oneTimeCodeFor: null,
        expiresAt: issued.expiresAt ?? null,
        pageUrl: `${origin}${PASSWORD_RESET_PATH}`,
      },
    };
  });
}

/**
 * Sets a new password with a reset code (signed out). identity ends every session of the account;
 * this browser's session cookie goes too, so the sign-in page shows the confirmation.
 */
export async function redeemPasswordReset(
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  const state = await runAction(
    formData,
    { schema: passwordResetFormSchema, aliases: { token: 'resetCode' } },
    async (input) => {
      try {
        await identity('/v1/password-resets', z.unknown(), {
          method: 'POST',
          body: { token: input.resetCode, newPassword: input.newPassword },
          authenticated: false,
        });
      } catch (error) {
        // One answer for unknown, used and expired codes: on the code's field, with what to do.
        if (error instanceof BackendError && error.status === 400 && !error.problem.errors?.length)
          return {
            status: 'error',
            message: RESET_CODE_REFUSED,
            fieldErrors: { resetCode: ['This code does not work.'] },
          };
        throw error;
      }
    },
  );
  if (state.status !== 'success') return state;
  await endSession();
  redirect('/sign-in?reason=password-reset');
}
