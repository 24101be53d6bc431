'use server';

import { redirect } from 'next/navigation';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import { decisionFormSchema, optionalCommentFormSchema, rejectFormSchema } from '../forms/schemas';
import { apiPath, identity } from '../server/backend';
import { anyObject } from '../server/models';

/** Where to land after deciding: the inbox (the request leaves it) or the request's own page. */
export type DecisionReturn = 'inbox' | 'request';

function landing(id: string, back: DecisionReturn, outcome: 'approved' | 'rejected'): string {
  return back === 'inbox'
    ? `/approvals?decided=${encodeURIComponent(id)}&outcome=${outcome}`
    : `/subscriptions/${encodeURIComponent(id)}?outcome=${outcome}`;
}

export async function approveSubscription(
  id: string,
  back: DecisionReturn,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  const state = await runAction(formData, { schema: decisionFormSchema }, async (input) => {
    await identity(apiPath`/v1/subscriptions/${id}/approve`, anyObject, {
      method: 'POST',
      body: {
        ...(input.comment ? { comment: input.comment } : {}),
        ...(input.scopes ? { scopes: input.scopes } : {}),
      },
    });
  });
  if (state.status !== 'success') return state;
  redirect(landing(id, back, 'approved'));
}

export async function rejectSubscription(
  id: string,
  back: DecisionReturn,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  const state = await runAction(formData, { schema: rejectFormSchema }, async (input) => {
    await identity(apiPath`/v1/subscriptions/${id}/reject`, anyObject, {
      method: 'POST',
      body: { comment: input.comment },
    });
  });
  if (state.status !== 'success') return state;
  redirect(landing(id, back, 'rejected'));
}

/** What an approver (or the application's team, withdrawing) can do after the first decision. */
export type SubscriptionChange = 'suspend' | 'resume' | 'revoke';

const CHANGE_OUTCOME: Record<SubscriptionChange, string> = {
  suspend: 'suspended',
  resume: 'resumed',
  revoke: 'revoked',
};

export async function changeSubscription(
  id: string,
  change: SubscriptionChange,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  // Suspending and revoking say why (the developer reads it); resuming may.
  const schema = change === 'resume' ? optionalCommentFormSchema : rejectFormSchema;
  const state = await runAction(formData, { schema }, async (input) => {
    const path =
      change === 'suspend'
        ? apiPath`/v1/subscriptions/${id}/suspend`
        : change === 'resume'
          ? apiPath`/v1/subscriptions/${id}/resume`
          : apiPath`/v1/subscriptions/${id}/revoke`;
    await identity(path, anyObject, {
      method: 'POST',
      body: input.comment ? { comment: input.comment } : {},
    });
  });
  if (state.status !== 'success') return state;
  redirect(`/subscriptions/${encodeURIComponent(id)}?outcome=${CHANGE_OUTCOME[change]}`);
}
