import type { Metadata } from 'next';
import Link from 'next/link';
import { SecurityNav } from '../../../components/security-nav';
import { EmptyState, NotAllowed, PageHeader, StatusBadge } from '../../../components/ui';
import { filtersQueryString, readAuditFilters, toAuditQuery } from '../../../lib/audit-filters';
import { formatDateTime } from '../../../lib/format';
import { problemSummary } from '../../../lib/problem';
import { audit, BackendError } from '../../../server/backend';
import { auditEventSchema, listOf, type AuditEvent } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';

export const metadata: Metadata = { title: 'Audit search' };

function describe(event: AuditEvent): string {
  const data = (event.data && typeof event.data === 'object' ? event.data : {}) as Record<
    string,
    unknown
  >;
  if (event.type.startsWith('gateway.access')) {
    const method = typeof data.method === 'string' ? data.method : '';
    const path =
      typeof data.path === 'string' ? data.path : typeof data.route === 'string' ? data.route : '';
    return `${method} ${path}`.trim() || 'API call';
  }
  return event.action ?? event.type;
}

export default async function AuditSearchPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/security/audit');
  if (!viewer.isSecurity && !viewer.isApprover) return <NotAllowed what="Audit search" />;
  const params = await searchParams;
  const filters = readAuditFilters(params);
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  let result: { items: AuditEvent[]; nextCursor: string | null } | null = null;
  let failure: string | null = null;
  try {
    result = await audit('/v1/audit/events', listOf(auditEventSchema), {
      query: { ...toAuditQuery(filters), cursor, limit: 50 },
    });
  } catch (error) {
    if (!(error instanceof BackendError) || error.status >= 500) throw error;
    failure = problemSummary(error.problem);
  }
  const exportQuery = (format: string) =>
    `/security/audit/export${filtersQueryString(filters, { format })}`;

  return (
    <div className="container page">
      <PageHeader
        eyebrow="Security"
        title="Audit search"
        lead="Every access decision at the gateway and every change in the platform, newest first. Times are UTC."
        actions={
          <>
            <a className="button button-secondary" href={exportQuery('ndjson')} download>
              Export NDJSON
            </a>
            <a className="button button-secondary" href={exportQuery('csv')} download>
              Export CSV
            </a>
          </>
        }
      />
      {viewer.isSecurity && <SecurityNav />}
      <form method="get" action="/security/audit" className="filters" aria-label="Filter events">
        <label>
          From (UTC)
          <input type="datetime-local" name="from" defaultValue={filters.from} />
        </label>
        <label>
          To (UTC)
          <input type="datetime-local" name="to" defaultValue={filters.to} />
        </label>
        <label>
          Decision
          <select name="decision" defaultValue={filters.decision ?? ''}>
            <option value="">Any</option>
            <option value="allow">Allowed</option>
            <option value="deny">Denied</option>
          </select>
        </label>
        <label>
          HTTP status
          <input type="number" name="status" min={100} max={599} defaultValue={filters.status} />
        </label>
        <label>
          Application id
          <input name="appId" defaultValue={filters.appId} />
        </label>
        <label>
          API id
          <input name="apiId" defaultValue={filters.apiId} />
        </label>
        <label>
          Client id
          <input name="clientId" defaultValue={filters.clientId} />
        </label>
        <label>
          Source IP
          <input name="sourceIp" defaultValue={filters.sourceIp} />
        </label>
        <label>
          Trace id
          <input name="traceId" defaultValue={filters.traceId} />
        </label>
        <div className="page-actions">
          <button type="submit" className="button button-primary">
            Search
          </button>
          <Link href="/security/audit" className="button button-secondary">
            Clear
          </Link>
        </div>
      </form>
      {failure && (
        <p className="notice notice-warning" role="alert">
          {failure}
        </p>
      )}
      {result && result.items.length === 0 && (
        <EmptyState title="No events match">
          <p>Widen the time range or remove a filter.</p>
        </EmptyState>
      )}
      {result && result.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="table" aria-label="Audit events">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Status</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Client</th>
                  <th scope="col">Source</th>
                </tr>
              </thead>
              <tbody>
                {result.items.map((event) => (
                  <tr key={event.id}>
                    <td>{formatDateTime(event.time)}</td>
                    <th scope="row">
                      <span className="muted">{event.type}</span>
                      <br />
                      <code>{describe(event)}</code>
                    </th>
                    <td>{event.decision ? <StatusBadge status={event.decision} /> : '—'}</td>
                    <td>{event.status ?? '—'}</td>
                    <td>{event.reason ?? '—'}</td>
                    <td>{event.clientId ? <code>{event.clientId}</code> : '—'}</td>
                    <td>{event.sourceIp ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {result.nextCursor && (
            <p>
              <Link
                href={`/security/audit${filtersQueryString(filters, { cursor: result.nextCursor })}`}
              >
                Older events
              </Link>
            </p>
          )}
        </>
      )}
    </div>
  );
}
