'use server';

import { refresh } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import {
  emptyFormSchema,
  secondFactorFormSchema,
  signInFormSchema,
  signUpFormSchema,
} from '../forms/schemas';
import { safeReturnPath } from '../lib/return-path';
import { apiPath, identity } from '../server/backend';
import { anyObject, sessionSchema } from '../server/models';
import { assertCsrf, deviceToken, endSession, mfaSatisfied, startSession } from '../server/session';

/** Sign-in credentials, and this browser's device token when it has signed in before. */
async function signInBody(input: { email: string; password: string }) {
  const device = await deviceToken();
  return {
    email: input.email,
    password: input.password,
    ...(device ? { deviceToken: device } : {}),
  };
}

/** What sign-up says when identity refuses the invitation code (unknown, used, revoked, expired, another address). */
const INVITATION_CODE_REFUSED =
  'The invitation code does not work for this e-mail address: it may be mistyped, used, revoked or expired, or made out to another address. Check the address, or ask the administrator who invited you for a new code.';

export async function signUp(_state: FormState, formData: FormData): Promise<FormState> {
  let mfaPending = false;
  const state = await runAction(formData, { schema: signUpFormSchema }, async (input) => {
    await identity('/v1/users', anyObject, {
      method: 'POST',
      body: {
        displayName: input.displayName,
        email: input.email,
        password: input.password,
        // Only when given: identity decides whether the address needs one (its sign-up policy).
        ...(input.invitationCode ? { invitationCode: input.invitationCode } : {}),
      },
      authenticated: false,
    });
    const session = await identity('/v1/sessions', sessionSchema, {
      method: 'POST',
      body: await signInBody(input),
      authenticated: false,
    });
    await startSession(session);
    mfaPending = session.mfaRequired;
  });
  if (state.status !== 'success') {
    // identity's 400 stays on the code's field; the summary says what can be wrong with it.
    return state.fieldErrors?.invitationCode
      ? { ...state, message: INVITATION_CODE_REFUSED }
      : state;
  }
  redirect(mfaPending ? '/sign-in/mfa' : '/dashboard?welcome=1');
}

export async function signIn(_state: FormState, formData: FormData): Promise<FormState> {
  let destination = '/dashboard';
  const state = await runAction(formData, { schema: signInFormSchema }, async (input) => {
    const session = await identity('/v1/sessions', sessionSchema, {
      method: 'POST',
      body: await signInBody(input),
      authenticated: false,
    });
    await startSession(session);
    const next = safeReturnPath(input.next);
    // Roles that must use a second factor but have none yet enrol right here, before anything else.
    const enrol = session.mfaEnrolmentRequired ? '&enrol=1' : '';
    destination = session.mfaRequired
      ? `/sign-in/mfa?next=${encodeURIComponent(next)}${enrol}`
      : next;
  });
  if (state.status !== 'success') {
    // One message for wrong email and wrong password alike.
    return state.fieldErrors && Object.keys(state.fieldErrors).length > 0
      ? state
      : { ...state, message: state.message ?? 'Those details did not work.' };
  }
  redirect(destination);
}

export async function verifyMfa(_state: FormState, formData: FormData): Promise<FormState> {
  let destination = '/dashboard';
  const state = await runAction(formData, { schema: secondFactorFormSchema }, async (input) => {
    await identity('/v1/sessions/current/mfa', anyObject, {
      method: 'POST',
      // A recovery code, when given, stands in for the TOTP code (each works once).
      body: input.recoveryCode ? { recoveryCode: input.recoveryCode } : { code: input.code },
    });
    await mfaSatisfied();
    destination = safeReturnPath(input.next);
  });
  if (state.status !== 'success') return state;
  redirect(destination);
}

/** Ends the session at identity too, so the token is dead even if the cookie leaked. */
export async function signOut(formData: FormData): Promise<void> {
  await assertCsrf(formData);
  try {
    await identity('/v1/sessions/current', z.unknown(), { method: 'DELETE' });
  } catch {
    // The cookie goes regardless: a session identity no longer knows is as good as ended.
  }
  await endSession();
  redirect('/sign-in?reason=signed-out');
}

/**
 * Forgets one of the person's known devices; identity ends the sessions it signed in. Forgetting
 * this browser ends this session too, so it goes to the sign-in page.
 */
export async function forgetDevice(
  deviceId: string,
  thisBrowser: boolean,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  const state = await runAction(formData, { schema: emptyFormSchema }, async () => {
    await identity(apiPath`/v1/me/devices/${deviceId}`, z.unknown(), { method: 'DELETE' });
  });
  if (state.status !== 'success') return state;
  if (thisBrowser) {
    await endSession();
    redirect('/sign-in?reason=device-forgotten');
  }
  redirect('/account?device=forgotten#devices-title');
}

const signedOutOthersSchema = z.looseObject({ sessionsEnded: z.number().int() });

/** Ends the person's other sessions (a browser left signed in somewhere); this one stays. */
export async function signOutOtherSessions(
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    const { sessionsEnded } = await identity('/v1/sessions/others', signedOutOthersSchema, {
      method: 'DELETE',
    });
    refresh();
    return {
      status: 'success',
      message:
        sessionsEnded === 0
          ? 'No other session was open. This one stays signed in.'
          : `Ended ${sessionsEnded} other ${sessionsEnded === 1 ? 'session' : 'sessions'}. This one stays signed in.`,
    };
  });
}
