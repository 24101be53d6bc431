'use server';

import { refresh } from 'next/cache';
import { redirect } from 'next/navigation';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import { addMemberFormSchema, createTeamFormSchema } from '../forms/schemas';
import { apiPath, identity } from '../server/backend';
import { teamSchema } from '../server/models';

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
