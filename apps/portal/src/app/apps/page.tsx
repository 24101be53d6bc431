import type { Metadata } from 'next';
import Link from 'next/link';
import { Pager } from '../../components/pager';
import { EmptyState, PageHeader } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { pageHref, parsePage } from '../../lib/paging';
import { identity } from '../../server/backend';
import { applicationSchema, listOf } from '../../server/models';
import { requireViewer } from '../../server/require-viewer';

export const metadata: Metadata = { title: 'Applications' };

const PAGE_SIZE = 24;

export default async function ApplicationsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireViewer('/apps');
  const params = await searchParams;
  const page = parsePage(params.page);
  const apps = await identity('/v1/applications', listOf(applicationSchema), {
    query: { page, pageSize: PAGE_SIZE },
  });
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Applications"
        title="Applications"
        lead="Each application is one service that calls APIs, with its own subscriptions and credentials."
        actions={
          <Link className="button button-primary" href="/apps/new">
            New application
          </Link>
        }
      />
      {apps.items.length === 0 ? (
        <EmptyState title="No applications yet">
          <p>Register the service that will call APIs. It takes a name and a sentence.</p>
          <Link className="button button-primary" href="/apps/new">
            Register an application
          </Link>
        </EmptyState>
      ) : (
        <ul className="grid-cards">
          {apps.items.map((app) => (
            <li key={app.id} className="card">
              <h2>
                <Link href={`/apps/${encodeURIComponent(app.id)}`}>{app.name}</Link>
              </h2>
              {app.description && <p className="muted">{app.description}</p>}
              <p className="card-meta">
                {app.team?.name && <span>{app.team.name}</span>}
                {app.createdAt && <span>· created {formatDateTime(app.createdAt)}</span>}
              </p>
            </li>
          ))}
        </ul>
      )}
      <Pager
        page={page}
        pageSize={apps.pageSize ?? PAGE_SIZE}
        total={apps.total ?? apps.items.length}
        hrefFor={(target) => pageHref('/apps', params, target)}
        label="Application pages"
      />
    </div>
  );
}
