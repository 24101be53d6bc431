'use server';

import { refresh } from 'next/cache';
import type { FormState } from '../forms/form-state';
import { editApiFormSchema } from '../forms/api-edit';
import { runAction } from '../forms/run-action';
import { apiPath, identity } from '../server/backend';
import { anyObject } from '../server/models';

/** Saves description, approval modes and plans in one PATCH, guarded by the version edited. */
export async function updateApi(
  slug: string,
  _state: FormState,
  formData: FormData,
): Promise<FormState> {
  return runAction(
    formData,
    {
      schema: editApiFormSchema,
      aliases: {
        'approval.sandbox': 'approvalSandbox',
        'approval.production': 'approvalProduction',
      },
    },
    async (input) => {
      await identity(apiPath`/v1/apis/${slug}`, anyObject, { method: 'PATCH', body: input });
      refresh();
      return {
        status: 'success',
        message: 'Saved. Gateways pick up the change within seconds.',
      };
    },
  );
}
