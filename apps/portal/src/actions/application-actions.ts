'use server';

import { refresh } from 'next/cache';
import { redirect } from 'next/navigation';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import {
  createApplicationFormSchema,
  createCredentialFormSchema,
  requestAccessFormSchema,
  rotateCredentialFormSchema,
  emptyFormSchema,
  CREDENTIAL_MATERIAL_ALIASES,
} from '../forms/schemas';
import { apiPath, identity } from '../server/backend';
import {
  anyObject,
  applicationSchema,
  issuedCredentialSchema,
  subscriptionSchema,
} from '../server/models';

export async function createApplication(_state: FormState, formData: FormData): Promise<FormState> {
  let appId = '';
  const state = await runAction(
    formData,
    { schema: createApplicationFormSchema },
    async (input) => {
      const app = await identity(
        apiPath`/v1/teams/${input.teamId}/applications`,
        applicationSchema,
        {
          method: 'POST',
          body: {
            name: input.name,
            ...(input.description ? { description: input.description } : {}),
          },
        },
      );
      appId = app.id;
    },
  );
  if (state.status !== 'success') return state;
  redirect(`/apps/${encodeURIComponent(appId)}?created=1`);
}

export async function requestAccess(
  apiSlug: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  let subscriptionId = '';
  const state = await runAction(
    formData,
    { schema: requestAccessFormSchema, aliases: { apiSlug: 'planId', planName: 'planId' } },
    async (input) => {
      const subscription = await identity(
        apiPath`/v1/applications/${input.applicationId}/subscriptions`,
        subscriptionSchema,
        {
          method: 'POST',
          body: {
            apiSlug,
            planId: input.planId,
            environment: input.environment,
            justification: input.justification,
          },
        },
      );
      subscriptionId = subscription.id;
    },
  );
  if (state.status !== 'success') return state;
  redirect(`/subscriptions/${encodeURIComponent(subscriptionId)}?requested=1`);
}

export async function createCredential(
  appId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(
    formData,
    { schema: createCredentialFormSchema, aliases: CREDENTIAL_MATERIAL_ALIASES },
    async (input) => {
      const issued = await identity(
        apiPath`/v1/applications/${appId}/credentials`,
        issuedCredentialSchema,
        { method: 'POST', body: input },
      );
      refresh();
      return {
        status: 'success',
        // Key-based kinds have no secret: the client proves itself with its private key or
        // certificate, so only the client id is news.
        message: issued.secret
          ? undefined
          : input.kind === 'tls_client_auth'
            ? 'Created. Your service authenticates with its client certificate and this client id.'
            : 'Created. Your service signs its token requests with its private key and this client id.',
        result: {
          secret: issued.secret,
          clientId: issued.clientId,
          kind: issued.kind ?? input.kind,
        },
      };
    },
  );
}

export async function rotateCredential(
  appId: string,
  credentialId: string,
  kind: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(
    formData,
    { schema: rotateCredentialFormSchema(kind), aliases: CREDENTIAL_MATERIAL_ALIASES },
    async ({ graceHours, ...material }) => {
      const graceUntil = new Date(Date.now() + graceHours * 3600_000).toISOString();
      const issued = await identity(
        apiPath`/v1/applications/${appId}/credentials/${credentialId}/rotate`,
        issuedCredentialSchema,
        { method: 'POST', body: { graceUntil, ...material } },
      );
      refresh();
      return {
        status: 'success',
        message: issued.secret
          ? undefined
          : 'Rotated. The new key works now; the old one until the overlap ends.',
        result: { secret: issued.secret, clientId: issued.clientId, kind: issued.kind },
      };
    },
  );
}

export async function revokeCredential(
  appId: string,
  credentialId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    await identity(
      apiPath`/v1/applications/${appId}/credentials/${credentialId}/revoke`,
      anyObject,
      {
        method: 'POST',
        body: {},
      },
    );
    refresh();
    return { status: 'success', message: 'Revoked. The gateway refuses it within a second.' };
  });
}
