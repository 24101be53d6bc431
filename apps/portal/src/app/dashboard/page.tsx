import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, PageHeader, StatusBadge } from '../../components/ui';
import { describeNotification, formatDateTime } from '../../lib/format';
import { identity, optional } from '../../server/backend';
import {
  applicationSchema,
  listOf,
  notificationSchema,
  subscriptionSchema,
  teamSummarySchema,
} from '../../server/models';
import { requireViewer } from '../../server/require-viewer';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/dashboard');
  const welcome = (await searchParams).welcome === '1';
  const [apps, teams, notifications, approvals] = await Promise.all([
    // Six cards and the counts: the first page and its total are enough.
    identity('/v1/applications', listOf(applicationSchema), { query: { pageSize: 6 } }),
    identity('/v1/teams', listOf(teamSummarySchema), { query: { pageSize: 1 } }),
    optional(identity('/v1/notifications', listOf(notificationSchema), { query: { pageSize: 5 } })),
    viewer.isApprover
      ? optional(
          identity('/v1/approvals', listOf(subscriptionSchema), { query: { status: 'pending' } }),
        )
      : Promise.resolve(null),
  ]);
  const firstName = viewer.me.displayName.split(' ')[0] ?? viewer.me.displayName;

  return (
    <div className="container page">
      <PageHeader
        eyebrow="Dashboard"
        title={welcome ? `Welcome to Portcullis, ${firstName}` : `Hello, ${firstName}`}
        lead={
          welcome
            ? 'Your account is ready. Register an application, then ask for access to an API.'
            : 'Your applications, teams and what needs your attention.'
        }
        actions={
          <>
            <Link className="button button-primary" href="/apps/new">
              New application
            </Link>
            <Link className="button button-secondary" href="/catalog">
              Browse APIs
            </Link>
          </>
        }
      />

      <dl className="stat-grid">
        <div className="stat">
          <dt>Applications</dt>
          <dd>{apps.total ?? apps.items.length}</dd>
        </div>
        <div className="stat">
          <dt>Teams</dt>
          <dd>{teams.total ?? teams.items.length}</dd>
        </div>
        <div className="stat">
          <dt>Unread notifications</dt>
          <dd>{notifications?.unread ?? 0}</dd>
        </div>
        {approvals && (
          <div className="stat">
            <dt>Requests waiting for you</dt>
            <dd>{approvals.items.length}</dd>
          </div>
        )}
      </dl>

      {viewer.me.mfa && !viewer.me.mfa.totpEnabled && (
        <p className="notice">
          Protect your account with a second factor.{' '}
          <Link href="/account">Turn on two-factor sign-in</Link>.
        </p>
      )}

      {approvals && approvals.items.length > 0 && (
        <p className="notice notice-warning">
          {approvals.items.length === 1
            ? 'One access request waits'
            : `${approvals.items.length} access requests wait`}{' '}
          for your decision. <Link href="/approvals">Open the approvals inbox</Link>.
        </p>
      )}

      <div className="split">
        <section className="panel" aria-labelledby="apps-title">
          <div className="panel-header">
            <h2 id="apps-title">Your applications</h2>
            <Link href="/apps">All applications</Link>
          </div>
          {apps.items.length === 0 ? (
            <EmptyState title="No applications yet">
              <p>
                An application is the service that will call APIs. It holds your subscriptions and
                credentials.
              </p>
              <Link className="button button-primary" href="/apps/new">
                Register your first application
              </Link>
            </EmptyState>
          ) : (
            <ul className="grid-cards">
              {apps.items.slice(0, 6).map((app) => (
                <li key={app.id} className="card">
                  <h3>
                    <Link href={`/apps/${encodeURIComponent(app.id)}`}>{app.name}</Link>
                  </h3>
                  {app.description && <p className="muted">{app.description}</p>}
                  <p className="card-meta">{app.team?.name ?? ''}</p>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="panel" aria-labelledby="activity-title">
          <div className="panel-header">
            <h2 id="activity-title">Recent notifications</h2>
            <Link href="/notifications">All</Link>
          </div>
          {!notifications || notifications.items.length === 0 ? (
            <p className="muted">Nothing yet. You will hear here when a request is decided.</p>
          ) : (
            <ul className="plain-list">
              {notifications.items.map((notification) => {
                const { text, href } = describeNotification(
                  notification.kind,
                  notification.payload,
                );
                return (
                  <li key={notification.id}>
                    {!notification.readAt && <StatusBadge status="pending" label="New" />}{' '}
                    {href ? <Link href={href}>{text}</Link> : text}
                    <br />
                    <span className="muted">{formatDateTime(notification.createdAt)}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="next-title">
        <h2 id="next-title">From here to your first call</h2>
        <ol className="steps-list">
          <li>
            <Link href="/apps/new">Register an application</Link> for the service that calls APIs.
          </li>
          <li>
            <Link href="/catalog">Pick an API</Link>, a plan and an environment, and request access.
          </li>
          <li>
            Once approved, create credentials on the application page. The secret is shown once.
          </li>
          <li>
            Get a token and call the API — <Link href="/docs/getting-started">see how</Link>.
          </li>
        </ol>
      </section>
    </div>
  );
}
