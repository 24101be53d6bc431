import type { Metadata } from 'next';
import Link from 'next/link';
import { DecisionForms } from '../../../components/approvals/decision-forms';
import { DecisionHistory } from '../../../components/approvals/decision-history';
import { ManageAccessForms } from '../../../components/approvals/manage-access-forms';
import { PageHeader, Section, StatusBadge } from '../../../components/ui';
import { ENVIRONMENT_LABELS, formatDateTime } from '../../../lib/format';
import { apiPath, identity } from '../../../server/backend';
import { subscriptionSchema } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Access request' };

const NEXT_STEP: Record<string, string> = {
  pending: 'An owner of the API will decide. You get a notification either way.',
  approved:
    'Access is granted. Create credentials on the application page and make your first call.',
  rejected:
    'The request was rejected; read the comment below. You can ask again after addressing it.',
  suspended: 'An approver suspended access; calls are refused until they resume it.',
  revoked: 'Access was revoked; calls are refused.',
};

const OUTCOME_NOTICE: Record<string, string> = {
  approved: 'Approved. The developer has been notified.',
  rejected: 'Rejected. The developer has been notified.',
  suspended: 'Suspended. The gateway refuses its calls until access is resumed.',
  resumed: 'Resumed. Calls are accepted again.',
  revoked: 'Revoked. The gateway refuses its calls from now on; this cannot be undone.',
};

export default async function SubscriptionPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const viewer = await requireViewer(`/subscriptions/${id}`);
  const [subscription, csrf, query] = await Promise.all([
    identity(apiPath`/v1/subscriptions/${id}`, subscriptionSchema),
    csrfToken(),
    searchParams,
  ]);
  const apiName = subscription.api?.name ?? 'API';
  const appName = subscription.application?.name ?? 'Application';
  const environment = ENVIRONMENT_LABELS[subscription.environment] ?? subscription.environment;
  const approvesThisApi =
    viewer.isAdmin ||
    (subscription.api?.id !== undefined && viewer.me.approverApiIds.includes(subscription.api.id));
  const canDecide = subscription.status === 'pending' && approvesThisApi;
  const appTeamId = subscription.team?.id ?? subscription.application?.team?.id;
  const inAppTeam =
    appTeamId !== undefined &&
    (viewer.me.teamIds?.includes(appTeamId) ||
      viewer.me.teams?.some((team) => team.id === appTeamId));
  // A suspension is an approver's to lift or end: the team may not withdraw it (identity says 403).
  const canManage =
    (subscription.status === 'approved' && (approvesThisApi || inAppTeam)) ||
    (subscription.status === 'suspended' && approvesThisApi);

  return (
    <div className="container page">
      <PageHeader
        eyebrow="Access request"
        title={`${appName} → ${apiName}`}
        lead={NEXT_STEP[subscription.status]}
      />
      {typeof query.outcome === 'string' && OUTCOME_NOTICE[query.outcome] && (
        <p className="notice" role="status">
          {OUTCOME_NOTICE[query.outcome]}
        </p>
      )}
      {query.requested === '1' && (
        <p className="notice" role="status">
          Request sent.{' '}
          {subscription.status === 'approved'
            ? 'It was approved at once.'
            : 'We will notify you when it is decided.'}
        </p>
      )}
      <div className="split">
        <div>
          <Section title="Request" id="request-details-title">
            <dl className="details-list">
              <dt>Status</dt>
              <dd>
                <StatusBadge status={subscription.status} />
              </dd>
              <dt>Application</dt>
              <dd>
                {subscription.application ? (
                  <Link href={`/apps/${encodeURIComponent(subscription.application.id)}`}>
                    {appName}
                  </Link>
                ) : (
                  appName
                )}
                {subscription.team && <span className="muted"> · {subscription.team.name}</span>}
              </dd>
              <dt>API</dt>
              <dd>
                {subscription.api ? (
                  <Link href={`/catalog/${encodeURIComponent(subscription.api.slug)}`}>
                    {apiName}
                  </Link>
                ) : (
                  apiName
                )}
              </dd>
              <dt>Environment</dt>
              <dd>{environment}</dd>
              <dt>Plan</dt>
              <dd>{subscription.plan?.name ?? '—'}</dd>
              <dt>Requested by</dt>
              <dd>
                {subscription.requestedBy?.displayName ?? subscription.requestedBy?.email ?? '—'}
              </dd>
              <dt>Requested</dt>
              <dd>{formatDateTime(subscription.createdAt)}</dd>
              {subscription.grantedScopes.length > 0 && (
                <>
                  <dt>Granted scopes</dt>
                  <dd>{subscription.grantedScopes.join(', ')}</dd>
                </>
              )}
            </dl>
            {subscription.justification && (
              <>
                <h3>Why</h3>
                <blockquote className="comment">{subscription.justification}</blockquote>
              </>
            )}
            {canDecide && (
              <DecisionForms
                back="request"
                subscriptionId={subscription.id}
                label={`${appName} → ${apiName} (${environment})`}
                csrf={csrf}
              />
            )}
          </Section>
          {canManage && (
            <Section title="Manage access" id="manage-title">
              <ManageAccessForms
                subscriptionId={subscription.id}
                status={subscription.status}
                asApprover={approvesThisApi}
                csrf={csrf}
              />
            </Section>
          )}
        </div>
        <Section title="History" id="history-title">
          <DecisionHistory decisions={subscription.decisions} />
        </Section>
      </div>
    </div>
  );
}
