import { changeSubscription } from '../../actions/approval-actions';
import { ActionForm } from '../forms/action-form';
import { TextAreaField } from '../forms/fields';

/**
 * After the first decision: approvers suspend, resume or revoke; the application's own team can
 * only withdraw (revoke). identity enforces the same split; this only hides what would be refused.
 */
export function ManageAccessForms({
  subscriptionId,
  status,
  asApprover,
  csrf,
}: {
  subscriptionId: string;
  status: string;
  asApprover: boolean;
  csrf: string;
}) {
  return (
    <div className="decision-forms">
      {asApprover && status === 'approved' && (
        <ActionForm
          action={changeSubscription.bind(null, subscriptionId, 'suspend')}
          csrf={csrf}
          submitLabel="Suspend"
          pendingLabel="Suspending…"
          variant="secondary"
          className="compact-form"
          label="Suspend access"
        >
          <TextAreaField
            name="comment"
            label="Reason for suspending"
            hint="The developer reads this. Calls are refused until you resume."
            rows={2}
            required
          />
        </ActionForm>
      )}
      {asApprover && status === 'suspended' && (
        <ActionForm
          action={changeSubscription.bind(null, subscriptionId, 'resume')}
          csrf={csrf}
          submitLabel="Resume"
          pendingLabel="Resuming…"
          className="compact-form"
          label="Resume access"
        >
          <TextAreaField name="comment" label="Comment for the developer" rows={2} />
        </ActionForm>
      )}
      <ActionForm
        action={changeSubscription.bind(null, subscriptionId, 'revoke')}
        csrf={csrf}
        submitLabel={asApprover ? 'Revoke' : 'Withdraw access'}
        pendingLabel="Revoking…"
        variant="danger"
        className="compact-form"
        label={asApprover ? 'Revoke access' : 'Withdraw access'}
      >
        <TextAreaField
          name="comment"
          label={asApprover ? 'Reason for revoking' : 'Why you no longer need it'}
          hint="Revoking is final: a new request is needed to call the API again."
          rows={2}
          required
        />
      </ActionForm>
    </div>
  );
}
