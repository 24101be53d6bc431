'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import {
  emptyFormSchema,
  mfaFormSchema,
  secondFactorFormSchema,
  totpConfirmFormSchema,
} from '../forms/schemas';
import { identity } from '../server/backend';
import { anyObject } from '../server/models';
import { mfaSatisfied } from '../server/session';

const enrolmentSchema = z.looseObject({ secret: z.string().min(1), otpauthUri: z.string() });

/** Recovery codes come back once, when identity issues them (older versions issue none). */
const confirmationSchema = z.looseObject({
  totpEnabled: z.boolean().optional(),
  recoveryCodes: z.array(z.string()).optional().catch(undefined),
});

/** Starts TOTP enrolment: the secret and otpauth URI go to this browser once, never to a URL. */
export async function startTotpEnrolment(
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    const enrolment = await identity('/v1/me/mfa/totp', enrolmentSchema, {
      method: 'POST',
      body: {},
    });
    return {
      status: 'success',
      result: { totpSecret: enrolment.secret, otpauthUri: enrolment.otpauthUri },
    };
  });
}

/**
 * Confirms enrolment with a current code and the person's password (identity asks for it, so a
 * stolen session cannot enrol its own phone); from now on every sign-in asks for a code. A wrong
 * password lands on its field and counts towards the account lockout.
 */
export async function confirmTotpEnrolment(
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: totpConfirmFormSchema }, async (input) => {
    const confirmed = await identity('/v1/me/mfa/totp/confirm', confirmationSchema, {
      method: 'POST',
      body: { code: input.code, currentPassword: input.currentPassword },
    });
    // The code also proved this session's second factor (identity marks it verified).
    await mfaSatisfied();
    return {
      status: 'success',
      message: 'Two-factor sign-in is on. From your next sign-in, Portcullis asks for a code.',
      result: { recoveryCodes: confirmed.recoveryCodes?.join('\n') ?? null },
    };
  });
}

/**
 * Turns TOTP off; identity asks for a current code — or a recovery code, for a lost phone — and
 * refuses when the person's roles need a second factor.
 */
export async function disableTotp(_state: FormState, formData: FormData): Promise<FormState> {
  const state = await runAction(formData, { schema: secondFactorFormSchema }, async (input) => {
    await identity('/v1/me/mfa/totp', anyObject, {
      method: 'DELETE',
      body: input.recoveryCode ? { recoveryCode: input.recoveryCode } : { code: input.code },
    });
  });
  if (state.status !== 'success') return state;
  redirect('/account?mfa=off');
}

/** New recovery codes for a current TOTP code; identity invalidates the earlier ones. */
export async function regenerateRecoveryCodes(
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: mfaFormSchema }, async (input) => {
    const replaced = await identity('/v1/me/mfa/recovery-codes', confirmationSchema, {
      method: 'POST',
      body: { code: input.code },
    });
    return {
      status: 'success',
      message: 'New recovery codes. The earlier ones no longer work.',
      result: { recoveryCodes: replaced.recoveryCodes?.join('\n') ?? null },
    };
  });
}
