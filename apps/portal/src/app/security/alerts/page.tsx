import type { Metadata } from 'next';
import Link from 'next/link';
import { changeAlert } from '../../../actions/misc-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { SecurityNav } from '../../../components/security-nav';
import { EmptyState, NotAllowed, PageHeader, StatusBadge } from '../../../components/ui';
import { formatDateTime } from '../../../lib/format';
import { audit } from '../../../server/backend';
import { alertSchema, listOf } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Alerts' };

const VIEWS = [
  { status: 'open', label: 'Open' },
  { status: 'acknowledged', label: 'Acknowledged' },
  { status: 'resolved', label: 'Resolved' },
] as const;

const PAGE_SIZE = 50;

export default async function AlertsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/security/alerts');
  if (!viewer.isSecurity) return <NotAllowed what="Alerts" />;
  const params = await searchParams;
  const status = VIEWS.find((view) => view.status === params.status)?.status ?? 'open';
  // Keyset paging: audit returns alerts older than `before` (UUIDv7 ids sort by time).
  const before =
    typeof params.before === 'string' && /^[0-9a-f-]{36}$/i.test(params.before)
      ? params.before
      : undefined;
  const [alerts, csrf] = await Promise.all([
    audit('/v1/alerts', listOf(alertSchema), { query: { status, limit: PAGE_SIZE, before } }),
    csrfToken(),
  ]);
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Security"
        title="Alerts"
        lead="Anomalies the audit service detected: bursts of denials, credential stuffing, unusual sources."
      />
      <SecurityNav />
      <nav aria-label="Alert status" className="view-switch">
        <ul className="tag-list">
          {VIEWS.map((view) => (
            <li key={view.status}>
              <Link
                href={`/security/alerts?status=${view.status}`}
                className={`button button-small ${view.status === status ? 'button-primary' : 'button-secondary'}`}
                aria-current={view.status === status ? 'page' : undefined}
              >
                {view.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {alerts.items.length === 0 ? (
        <EmptyState title={status === 'open' ? 'No open alerts' : 'None here'}>
          <p>
            {status === 'open'
              ? 'All quiet. New alerts appear here and in your SIEM.'
              : 'No alerts in this state.'}
          </p>
        </EmptyState>
      ) : (
        <ul className="plain-list" aria-label="Alerts">
          {alerts.items.map((alert) => (
            <li key={alert.id} className="panel">
              <div className="panel-header">
                <h2>{alert.summary}</h2>
                <span>
                  <StatusBadge status={alert.severity} label={`Severity: ${alert.severity}`} />{' '}
                  <StatusBadge status={alert.status} />
                </span>
              </div>
              <dl className="details-list">
                <dt>Rule</dt>
                <dd>
                  <code>{alert.rule}</code>
                </dd>
                <dt>Seen</dt>
                <dd>
                  {alert.count ?? 1} × — first {formatDateTime(alert.firstSeenAt)}, last{' '}
                  {formatDateTime(alert.lastSeenAt)}
                </dd>
              </dl>
              {alert.subject !== undefined && (
                <details>
                  <summary>Details</summary>
                  <pre className="subject">{JSON.stringify(alert.subject, null, 2)}</pre>
                </details>
              )}
              {alert.status !== 'resolved' && (
                <div className="page-actions">
                  {alert.status === 'open' && (
                    <ActionForm
                      action={changeAlert.bind(null, alert.id, 'acknowledge')}
                      csrf={csrf}
                      submitLabel="Acknowledge"
                      variant="secondary"
                      className="compact-form"
                      label={`Acknowledge alert: ${alert.summary}`}
                    />
                  )}
                  <ActionForm
                    action={changeAlert.bind(null, alert.id, 'resolve')}
                    csrf={csrf}
                    submitLabel="Resolve"
                    className="compact-form"
                    label={`Resolve alert: ${alert.summary}`}
                  />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {(before || alerts.items.length === PAGE_SIZE) && (
        <nav aria-label="Alert pages" className="pager">
          {before ? (
            <Link
              href={`/security/alerts?status=${status}`}
              className="button button-secondary button-small"
            >
              Newest alerts
            </Link>
          ) : (
            <span />
          )}
          {alerts.items.length === PAGE_SIZE && (
            <Link
              href={`/security/alerts?status=${status}&before=${encodeURIComponent(alerts.items[alerts.items.length - 1]!.id)}`}
              rel="next"
              className="button button-secondary button-small"
            >
              Older alerts
            </Link>
          )}
        </nav>
      )}
    </div>
  );
}
