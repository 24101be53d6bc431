'use server';

import { refresh } from 'next/cache';
import { redirect } from 'next/navigation';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import { addMemberFormSchema, createTeamFormSchema, emptyFormSchema } from '../forms/schemas';
import { apiPath, identity } from '../server/backend';
import { anyObject, teamSchema } from '../server/models';

export async function createTeam(_state: FormState, formData: FormData): Promise<FormState> {
  let teamId = '';
  const state = await runAction(formData, { schema: createTeamFormSchema }, async (input) => {
    const team = await identity('/v1/teams', teamSchema, { method: 'POST', body: input });
    teamId = team.id;
  });
  if (state.status !== 'success') return state;
  redirect(`/teams/${encodeURIComponent(teamId)}`);
}

export async function addTeamMember(
  teamId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: addMemberFormSchema }, async (input) => {
    await identity(apiPath`/v1/teams/${teamId}/members`, teamSchema, {
      method: 'POST',
      body: input,
    });
    refresh();
    return { status: 'success', message: `${input.email} is now a ${input.role} of the team.` };
  });
}

/** Owners remove a member; anyone leaves. identity refuses to remove the last owner (409). */
export async function removeTeamMember(
  teamId: string,
  userId: string,
  leaving: boolean,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  const state = await runAction(formData, { schema: emptyFormSchema }, async () => {
    await identity(apiPath`/v1/teams/${teamId}/members/${userId}`, anyObject, {
      method: 'DELETE',
    });
  });
  if (state.status !== 'success') return state;
  redirect(leaving ? '/teams?left=1' : `/teams/${encodeURIComponent(teamId)}?removed=1`);
}
