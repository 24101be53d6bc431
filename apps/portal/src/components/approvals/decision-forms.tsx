import {
  approveSubscription,
  rejectSubscription,
  type DecisionReturn,
} from '../../actions/approval-actions';
import { ActionForm } from '../forms/action-form';
import { CheckboxGroupField, TextAreaField } from '../forms/fields';

/** Approve (optionally narrowing scopes) or reject, each with its comment. */
export function DecisionForms({
  subscriptionId,
  label,
  csrf,
  scopes = [],
  back,
}: {
  /** Where the approver lands afterwards. */
  back: DecisionReturn;
  subscriptionId: string;
  /** Names the request for screen readers, e.g. "Billing app → Payments (production)". */
  label: string;
  csrf: string;
  scopes?: readonly { name: string; description?: string | null }[];
}) {
  return (
    <div className="decision-forms">
      <ActionForm
        action={approveSubscription.bind(null, subscriptionId, back)}
        csrf={csrf}
        submitLabel="Approve"
        pendingLabel="Approving…"
        className="compact-form"
        label={`Approve ${label}`}
      >
        {scopes.length > 0 && (
          <CheckboxGroupField
            name="scopes"
            label="Scopes to grant"
            hint="Leave all checked to grant every scope."
            options={scopes.map((scope) => ({
              value: scope.name,
              label: scope.name,
              description: scope.description ?? undefined,
            }))}
            defaultValues={scopes.map((scope) => scope.name)}
          />
        )}
        <TextAreaField name="comment" label="Comment for the developer" rows={2} />
      </ActionForm>
      <ActionForm
        action={rejectSubscription.bind(null, subscriptionId, back)}
        csrf={csrf}
        submitLabel="Reject"
        pendingLabel="Rejecting…"
        variant="danger"
        className="compact-form"
        label={`Reject ${label}`}
      >
        <TextAreaField name="comment" label="Reason for rejecting" rows={2} required />
      </ActionForm>
    </div>
  );
}
