'use server';

import { refresh } from 'next/cache';
import { z } from 'zod';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import { emptyFormSchema, inviteFormSchema } from '../forms/schemas';
import { portalAddress } from '../server/portal-address';
import { apiPath, identity } from '../server/backend';
import { issuedInvitationSchema } from '../server/models';

/**
 * Invites one address to sign up. identity returns the code this once: it goes back to the
 * admin's form only (never a URL, cookie or log), with the sign-up page's address to pass on.
 */
export async function inviteToSignUp(_state: FormState, formData: FormData): Promise<FormState> {
  return runAction(formData, { schema: inviteFormSchema }, async (input) => {
    const issued = await identity('/v1/invitations', issuedInvitationSchema, {
      method: 'POST',
      body: { email: input.email },
    });
    refresh();
    const origin = await portalAddress();
    return {
      status: 'success',
      message: `Invited ${issued.email}.`,
      result: {
        oneTimeCode: issued.code,
        oneTimeCodeKind: 'invitation',
        oneTimeCodeFor: issued.email,
        expiresAt: issued.expiresAt ?? null,
        pageUrl: `${origin}/sign-up`,
      },
    };
  });
}

/** Revokes a pending invitation: its code stops working at once. */
export async function revokeInvitation(
  invitationId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    await identity(apiPath`/v1/invitations/${invitationId}`, z.unknown(), { method: 'DELETE' });
    refresh();
    return { status: 'success', message: 'Revoked. The code no longer works.' };
  });
}
