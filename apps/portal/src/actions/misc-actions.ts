'use server';

import { refresh } from 'next/cache';
import type { FormState } from '../forms/form-state';
import { runAction } from '../forms/run-action';
import { disableAccountFormSchema, emptyFormSchema, grantRoleFormSchema } from '../forms/schemas';
import { siemSinkFormSchema } from '../forms/siem-sink';
import { apiPath, audit, identity } from '../server/backend';
import { accountStatusSchema, anyObject } from '../server/models';

export async function markNotificationRead(
  id: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    await identity(apiPath`/v1/notifications/${id}/read`, anyObject, { method: 'POST', body: {} });
    refresh();
  });
}

export async function markAllNotificationsRead(
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    await identity('/v1/notifications/read-all', anyObject, { method: 'POST', body: {} });
    refresh();
    return { status: 'success', message: 'All caught up.' };
  });
}

export async function changeAlert(
  id: string,
  change: 'acknowledge' | 'resolve',
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    const path =
      change === 'acknowledge'
        ? apiPath`/v1/alerts/${id}/acknowledge`
        : apiPath`/v1/alerts/${id}/resolve`;
    await audit(path, anyObject, { method: 'POST', body: {} });
    refresh();
    return { status: 'success', message: change === 'acknowledge' ? 'Acknowledged.' : 'Resolved.' };
  });
}

export async function grantRole(
  userId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: grantRoleFormSchema }, async (input) => {
    await identity(apiPath`/v1/users/${userId}/roles`, anyObject, {
      method: 'POST',
      body: { role: input.role, ...(input.apiId ? { apiId: input.apiId } : {}) },
    });
    refresh();
    return { status: 'success', message: `Granted ${input.role}.` };
  });
}

export async function revokeRole(
  userId: string,
  assignmentId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    await identity(apiPath`/v1/users/${userId}/roles/${assignmentId}`, anyObject, {
      method: 'DELETE',
    });
    refresh();
    return { status: 'success', message: 'Role removed.' };
  });
}

/**
 * Disables an account: identity ends every session of the person at once and refuses their
 * sign-in until an admin enables it again (yourself and the last active admin: refused, 409).
 */
export async function disableAccount(
  userId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: disableAccountFormSchema }, async () => {
    const result = await identity(apiPath`/v1/users/${userId}/disable`, accountStatusSchema, {
      method: 'POST',
      body: {},
    });
    refresh();
    const ended = result.sessionsRevoked ?? 0;
    return {
      status: 'success',
      message: `Disabled ${result.email}. ${
        ended === 1 ? '1 session was' : `${ended} sessions were`
      } ended; they cannot sign in until the account is enabled again.`,
    };
  });
}

/** Enables a disabled account: the person can sign in again. */
export async function enableAccount(
  userId: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    const result = await identity(apiPath`/v1/users/${userId}/enable`, accountStatusSchema, {
      method: 'POST',
      body: {},
    });
    refresh();
    return { status: 'success', message: `Enabled ${result.email}. They can sign in again.` };
  });
}

/** Adds a SIEM sink; its secret (webhook key, HEC token) goes to audit and is never shown again. */
export async function createSiemSink(_state: FormState, formData: FormData): Promise<FormState> {
  return runAction(
    formData,
    { schema: siemSinkFormSchema, aliases: { token: 'secret', 'config.url': 'url' } },
    async (input) => {
      await audit('/v1/siem/sinks', anyObject, { method: 'POST', body: input });
      refresh();
      return {
        status: 'success',
        message: `Sink “${input.name}” added. Its delivery status shows in the table.`,
      };
    },
  );
}

/** Pauses or resumes a sink's export; its cursor stays, so a resumed sink catches up. */
export async function setSiemSinkEnabled(
  id: string,
  enabled: boolean,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    await audit(apiPath`/v1/siem/sinks/${id}`, anyObject, { method: 'PATCH', body: { enabled } });
    refresh();
    return { status: 'success', message: enabled ? 'Resumed.' : 'Paused.' };
  });
}

export async function deleteSiemSink(
  id: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(formData, { schema: emptyFormSchema }, async () => {
    await audit(apiPath`/v1/siem/sinks/${id}`, anyObject, { method: 'DELETE' });
    refresh();
    return { status: 'success', message: 'Deleted.' };
  });
}
