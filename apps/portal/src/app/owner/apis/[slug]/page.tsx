import type { Metadata } from 'next';
import Link from 'next/link';
import {
  EmptyState,
  NotAllowed,
  PageHeader,
  Section,
  StatusBadge,
} from '../../../../components/ui';
import { UsageChart } from '../../../../components/usage-chart';
import { ENVIRONMENT_LABELS, formatDateTime } from '../../../../lib/format';
import {
  parseUsageRange,
  USAGE_RANGES,
  usageWindow,
  type UsageRange,
} from '../../../../lib/usage-range';
import { apiPath, audit, identity, optional } from '../../../../server/backend';
import { apiDetailSchema, consumerSchema, listOf, usageSchema } from '../../../../server/models';
import { requireViewer } from '../../../../server/require-viewer';

export const metadata: Metadata = { title: 'API usage' };

const MAX_APPS_CHARTED = 4;

export default async function OwnerApiPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const viewer = await requireViewer(`/owner/apis/${slug}`);
  if (!viewer.isApprover && !viewer.isSecurity)
    return <NotAllowed what="API usage and consumers" />;
  const range: UsageRange = parseUsageRange((await searchParams).range);
  const window = usageWindow(range);
  const api = await identity(apiPath`/v1/apis/${slug}`, apiDetailSchema);
  const [consumers, usage] = await Promise.all([
    optional(identity(apiPath`/v1/apis/${slug}/consumers`, listOf(consumerSchema))),
    optional(audit('/v1/audit/usage', usageSchema, { query: { apiId: api.id, ...window } })),
  ]);
  const apps = new Map<string, string>();
  for (const consumer of consumers?.items ?? []) {
    if (consumer.application && consumer.status === 'approved')
      apps.set(consumer.application.id, consumer.application.name);
  }
  const charted = [...apps.entries()].slice(0, MAX_APPS_CHARTED);
  const perApp = await Promise.all(
    charted.map(async ([appId, name]) => ({
      name,
      buckets: await optional(
        audit('/v1/audit/usage', usageSchema, { query: { apiId: api.id, appId, ...window } }),
      ),
    })),
  );
  const times = usage?.map((bucket) => bucket.start) ?? [];
  const total = usage?.reduce((sum, bucket) => sum + bucket.requests, 0) ?? 0;

  return (
    <div className="container page">
      <PageHeader
        eyebrow="API owners"
        title={api.name}
        lead="Consumers, traffic, errors and latency."
        actions={
          <Link className="button button-secondary" href={`/approvals?status=pending`}>
            Approvals inbox
          </Link>
        }
      />
      <nav aria-label="Time range" className="view-switch">
        <ul className="tag-list">
          {(Object.keys(USAGE_RANGES) as UsageRange[]).map((key) => (
            <li key={key}>
              <Link
                href={`/owner/apis/${encodeURIComponent(slug)}?range=${key}`}
                className={`button button-small ${key === range ? 'button-primary' : 'button-secondary'}`}
                aria-current={key === range ? 'page' : undefined}
              >
                {USAGE_RANGES[key].label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <Section title="Usage" id="usage-title">
        {usage === null ? (
          <p className="muted">Usage is not available to you.</p>
        ) : (
          <>
            <dl className="stat-grid">
              <div className="stat">
                <dt>Requests</dt>
                <dd data-testid="usage-total">{total}</dd>
              </div>
              <div className="stat">
                <dt>Server errors</dt>
                <dd>{usage.reduce((sum, bucket) => sum + bucket.errors, 0)}</dd>
              </div>
              <div className="stat">
                <dt>Denied</dt>
                <dd>{usage.reduce((sum, bucket) => sum + bucket.denied, 0)}</dd>
              </div>
            </dl>
            <UsageChart
              title="Requests, errors and denials"
              description={`Requests per ${window.bucket} through the gateway, ${USAGE_RANGES[range].label.toLowerCase()}: ${total} in all.`}
              times={times}
              bucket={window.bucket}
              series={[
                { label: 'Requests', values: usage.map((bucket) => bucket.requests) },
                { label: 'Server errors', values: usage.map((bucket) => bucket.errors) },
                { label: 'Denied', values: usage.map((bucket) => bucket.denied) },
              ]}
            />
            <UsageChart
              title="Latency"
              description="Latency percentiles at the gateway in milliseconds; gaps are buckets without traffic."
              times={times}
              bucket={window.bucket}
              unit=" ms"
              series={[
                { label: 'p50', values: usage.map((bucket) => bucket.p50) },
                { label: 'p95', values: usage.map((bucket) => bucket.p95) },
                { label: 'p99', values: usage.map((bucket) => bucket.p99) },
              ]}
            />
            {perApp.length > 0 && (
              <UsageChart
                title="Requests per application"
                description={`Requests per ${window.bucket} of the ${perApp.length} busiest approved applications.`}
                times={times}
                bucket={window.bucket}
                series={perApp.map((app) => ({
                  label: app.name,
                  values: app.buckets?.map((bucket) => bucket.requests) ?? [],
                }))}
              />
            )}
          </>
        )}
      </Section>

      <Section title="Consumers" id="consumers-title">
        {consumers === null ? (
          <p className="muted">Consumers are visible to approvers of this API.</p>
        ) : consumers.items.length === 0 ? (
          <EmptyState title="No consumers yet" />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Application</th>
                  <th scope="col">Team</th>
                  <th scope="col">Contact</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {consumers.items.map((consumer, index) => (
                  <tr key={consumer.subscriptionId ?? index}>
                    <th scope="row">
                      {consumer.subscriptionId ? (
                        <Link
                          href={`/subscriptions/${encodeURIComponent(consumer.subscriptionId)}`}
                        >
                          {consumer.application?.name ?? 'Application'}
                        </Link>
                      ) : (
                        (consumer.application?.name ?? 'Application')
                      )}
                    </th>
                    <td>{consumer.team?.name ?? '—'}</td>
                    <td>
                      {consumer.contactEmails.length === 0
                        ? '—'
                        : consumer.contactEmails.map((email, i) => (
                            <span key={email}>
                              {i > 0 && ', '}
                              <a href={`mailto:${email}`}>{email}</a>
                            </span>
                          ))}
                    </td>
                    <td>
                      {ENVIRONMENT_LABELS[consumer.environment ?? ''] ??
                        consumer.environment ??
                        '—'}
                    </td>
                    <td>{consumer.plan?.name ?? '—'}</td>
                    <td>{consumer.status ? <StatusBadge status={consumer.status} /> : '—'}</td>
                    <td>{formatDateTime(consumer.since)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </div>
  );
}
