import type { Metadata } from 'next';
import Link from 'next/link';
import { Pager } from '../../components/pager';
import { pageHref, parsePage } from '../../lib/paging';
import { DecisionForms } from '../../components/approvals/decision-forms';
import { EmptyState, NotAllowed, PageHeader, StatusBadge } from '../../components/ui';
import { ENVIRONMENT_LABELS, formatDateTime } from '../../lib/format';
import { identity } from '../../server/backend';
import { listOf, subscriptionSchema } from '../../server/models';
import { requireViewer } from '../../server/require-viewer';
import { csrfToken } from '../../server/session';

export const metadata: Metadata = { title: 'Approvals' };

const VIEWS = [
  { status: 'pending', label: 'Waiting' },
  { status: 'approved', label: 'Approved' },
  { status: 'rejected', label: 'Rejected' },
  { status: 'all', label: 'All' },
] as const;

const PAGE_SIZE = 50;

export default async function ApprovalsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/approvals');
  if (!viewer.isApprover) return <NotAllowed what="The approvals inbox" />;
  const params = await searchParams;
  const page = parsePage(params.page);
  const requested = params.status;
  const outcome =
    params.outcome === 'approved' || params.outcome === 'rejected' ? params.outcome : null;
  const decided = typeof params.decided === 'string' ? params.decided : null;
  const status = VIEWS.find((view) => view.status === requested)?.status ?? 'pending';
  const [requests, csrf] = await Promise.all([
    identity('/v1/approvals', listOf(subscriptionSchema), {
      query: { status, page, pageSize: PAGE_SIZE },
    }),
    csrfToken(),
  ]);
  return (
    <div className="container page">
      <PageHeader
        eyebrow="API owners"
        title="Approvals"
        lead="Requests for access to the APIs you approve. Decide with a comment; the developer is notified."
      />
      {outcome && decided && (
        <p className="notice" role="status">
          {outcome === 'approved' ? 'Approved.' : 'Rejected.'} The developer has been notified.{' '}
          <Link href={`/subscriptions/${encodeURIComponent(decided)}`}>
            See the request and its history
          </Link>
          .
        </p>
      )}
      <nav aria-label="Filter requests" className="view-switch">
        <ul className="tag-list">
          {VIEWS.map((view) => (
            <li key={view.status}>
              <Link
                href={`/approvals?status=${view.status}`}
                className={`button button-small ${view.status === status ? 'button-primary' : 'button-secondary'}`}
                aria-current={view.status === status ? 'page' : undefined}
              >
                {view.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {requests.items.length === 0 ? (
        <EmptyState title={status === 'pending' ? 'Inbox zero' : 'Nothing here'}>
          <p>
            {status === 'pending'
              ? 'No request waits for your decision.'
              : 'No requests in this view.'}
          </p>
        </EmptyState>
      ) : (
        <ul className="plain-list" aria-label="Access requests">
          {requests.items.map((request) => {
            const appName = request.application?.name ?? 'Application';
            const apiName = request.api?.name ?? 'API';
            const environment = ENVIRONMENT_LABELS[request.environment] ?? request.environment;
            return (
              <li key={request.id} className="panel request">
                <div className="panel-header">
                  <h2>
                    <Link href={`/subscriptions/${encodeURIComponent(request.id)}`}>
                      {appName} → {apiName}
                    </Link>
                  </h2>
                  <StatusBadge status={request.status} />
                </div>
                <dl className="details-list">
                  <dt>Team</dt>
                  <dd>{request.team?.name ?? '—'}</dd>
                  <dt>Requested by</dt>
                  <dd>
                    {request.requestedBy ? (
                      <>
                        {request.requestedBy.displayName ?? request.requestedBy.email}{' '}
                        <a href={`mailto:${request.requestedBy.email}`}>
                          {request.requestedBy.email}
                        </a>
                      </>
                    ) : (
                      '—'
                    )}
                  </dd>
                  <dt>Environment</dt>
                  <dd>{environment}</dd>
                  <dt>Plan</dt>
                  <dd>{request.plan?.name ?? '—'}</dd>
                  <dt>Requested</dt>
                  <dd>{formatDateTime(request.createdAt)}</dd>
                </dl>
                <h3 className="small-heading">Why</h3>
                <blockquote className="comment">
                  {request.justification || 'No reason given.'}
                </blockquote>
                {request.status === 'pending' && (
                  <DecisionForms
                    back="inbox"
                    subscriptionId={request.id}
                    label={`${appName} → ${apiName} (${environment})`}
                    csrf={csrf}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
      <Pager
        page={page}
        pageSize={requests.pageSize ?? PAGE_SIZE}
        total={requests.total ?? requests.items.length}
        hrefFor={(target) => pageHref('/approvals', { status }, target)}
        label="Request pages"
      />
    </div>
  );
}
