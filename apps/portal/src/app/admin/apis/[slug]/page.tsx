import type { Metadata } from 'next';
import Link from 'next/link';
import { updateApi } from '../../../../actions/api-admin-actions';
import { AdminNav } from '../../../../components/admin-nav';
import { ActionForm } from '../../../../components/forms/action-form';
import {
  HiddenField,
  RadioGroupField,
  SelectField,
  TextAreaField,
  TextField,
} from '../../../../components/forms/fields';
import { NotAllowed, PageHeader } from '../../../../components/ui';
import { apiPath, identity } from '../../../../server/backend';
import { apiDetailSchema } from '../../../../server/models';
import { requireViewer } from '../../../../server/require-viewer';
import { csrfToken } from '../../../../server/session';

export const metadata: Metadata = { title: 'Edit API' };

const APPROVAL_OPTIONS = [
  { value: 'auto', label: 'Automatic', description: 'Approved the moment it is requested.' },
  { value: 'manual', label: 'Manual', description: 'An approver of the API decides.' },
] as const;

const PLAN_APPROVAL_OPTIONS = [
  { value: 'inherit', label: 'Same as the API' },
  { value: 'auto', label: 'Always automatic' },
  { value: 'manual', label: 'Always manual' },
] as const;

/** Admins and the owning team edit an API's description, approval modes and plans. */
export default async function EditApiPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const viewer = await requireViewer(`/admin/apis/${slug}`);
  const [api, csrf] = await Promise.all([
    identity(apiPath`/v1/apis/${slug}`, apiDetailSchema),
    csrfToken(),
  ]);
  const ownsIt =
    api.ownerTeam !== null &&
    api.ownerTeam !== undefined &&
    (viewer.me.teams?.some((team) => team.id === api.ownerTeam?.id) ||
      viewer.me.teamIds?.includes(api.ownerTeam.id));
  if (!viewer.isAdmin && !ownsIt) return <NotAllowed what="Editing this API" />;
  const approval = api.approval ?? {
    sandbox: api.approvalModeSandbox ?? 'auto',
    production: api.approvalModeProduction ?? 'manual',
  };
  const plans = api.plans;
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Administration"
        title={`Edit ${api.name}`}
        lead={
          <>
            Description, how access is approved, and plans. Routes, scopes and the upstream live in
            the catalog file or the admin API. <Link href="/admin/apis">All APIs</Link>
          </>
        }
      />
      {viewer.isAdmin && <AdminNav />}
      <ActionForm
        action={updateApi.bind(null, api.slug)}
        csrf={csrf}
        submitLabel="Save changes"
        pendingLabel="Saving…"
        label={`Edit ${api.name}`}
      >
        <HiddenField name="version" value={String(api.version ?? '')} />
        <TextAreaField
          name="description"
          label="Description"
          hint="Shown in the catalog. Plain text."
          rows={4}
          defaultValue={api.description ?? ''}
        />
        <RadioGroupField
          name="approvalSandbox"
          label="Sandbox access"
          defaultValue={approval.sandbox}
          required
          options={APPROVAL_OPTIONS}
        />
        <RadioGroupField
          name="approvalProduction"
          label="Production access"
          defaultValue={approval.production}
          required
          options={APPROVAL_OPTIONS}
        />
        <h2>Plans</h2>
        <p className="muted">
          A plan with subscriptions cannot be removed; identity says so if you try.
        </p>
        {[...plans, null].map((plan, index) => (
          <fieldset key={plan?.id ?? 'new'} className="plan-fieldset">
            <legend>{plan ? `Plan “${plan.name}”` : 'Add a plan'}</legend>
            {plan ? (
              <HiddenField name={`plans.${index}.name`} value={plan.name} />
            ) : (
              <TextField
                name={`plans.${index}.name`}
                label="Name"
                hint="Leave empty to add no plan."
                maxLength={64}
              />
            )}
            <TextField
              name={`plans.${index}.ratePerSecond`}
              label="Requests per second"
              type="number"
              inputMode="numeric"
              required={plan !== null}
              defaultValue={plan?.ratePerSecond ? String(plan.ratePerSecond) : ''}
            />
            <TextField
              name={`plans.${index}.burst`}
              label="Burst"
              hint="Default: twice the rate."
              type="number"
              inputMode="numeric"
              defaultValue={plan?.burst ? String(plan.burst) : ''}
            />
            <TextField
              name={`plans.${index}.monthlyQuota`}
              label="Monthly quota"
              hint="Empty: no quota."
              type="number"
              inputMode="numeric"
              defaultValue={plan?.monthlyQuota ? String(plan.monthlyQuota) : ''}
            />
            <TextAreaField
              name={`plans.${index}.description`}
              label="Description"
              rows={2}
              defaultValue={plan?.description ?? ''}
            />
            <SelectField
              name={`plans.${index}.approvalMode`}
              label="Approval"
              defaultValue={plan?.approvalMode ?? 'inherit'}
              options={PLAN_APPROVAL_OPTIONS}
            />
            {plan && (
              <label className="choice-inline">
                <input type="checkbox" name={`plans.${index}.remove`} /> Remove this plan
              </label>
            )}
          </fieldset>
        ))}
      </ActionForm>
    </div>
  );
}
