import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { Pager } from '../../components/pager';
import { EmptyState, PageHeader } from '../../components/ui';
import { pageHref, parsePage } from '../../lib/paging';
import { readCatalog } from '../../server/catalog-access';
import { apiSummarySchema, listOf } from '../../server/models';
import { currentViewer } from '../../server/session';

export const metadata: Metadata = { title: 'API catalog' };

const PAGE_SIZE = 24;

const AUTH_LABELS: Record<string, string> = {
  api_key: 'API key',
  oauth2_client_credentials: 'OAuth2',
  basic: 'Basic',
};

export default async function CatalogPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const q = typeof params.q === 'string' ? params.q.slice(0, 200) : '';
  const app = typeof params.app === 'string' ? params.app : undefined;
  const page = parsePage(params.page);
  const viewer = await currentViewer();
  const apis = await readCatalog(viewer, '/v1/apis', listOf(apiSummarySchema), {
    query: { q, page, pageSize: PAGE_SIZE },
  });
  // No service token for visitors on this installation: the catalog is behind sign-in.
  if (!apis) redirect(`/sign-in?next=${encodeURIComponent(pageHref('/catalog', params, page))}`);
  const suffix = app ? `?app=${encodeURIComponent(app)}` : '';
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Catalog"
        title="API catalog"
        lead="Every API published behind the gateway. Open one to read its reference, see examples and request access."
      />
      {!viewer && (
        <p className="notice">
          You are browsing as a visitor. <Link href="/sign-up">Create a developer account</Link> or{' '}
          <Link href="/sign-in?next=%2Fcatalog">sign in</Link> to request access.
        </p>
      )}
      <form role="search" className="search-form" action="/catalog" method="get">
        <label>
          Search APIs
          <input type="search" name="q" defaultValue={q} placeholder="Name, slug or description" />
        </label>
        {app && <input type="hidden" name="app" value={app} />}
        <button type="submit" className="button button-secondary">
          Search
        </button>
      </form>
      {apis.items.length === 0 ? (
        <EmptyState title={q ? `No API matches “${q}”` : 'No APIs published yet'}>
          {q ? (
            <Link href="/catalog">Show every API</Link>
          ) : (
            <p>API owners publish APIs through the admin API or a catalog file.</p>
          )}
        </EmptyState>
      ) : (
        <ul className="grid-cards" aria-label="APIs">
          {apis.items.map((api) => (
            <li key={api.id} className="card">
              <h2>
                <Link href={`/catalog/${encodeURIComponent(api.slug)}${suffix}`}>{api.name}</Link>
              </h2>
              {api.description && <p className="muted">{api.description}</p>}
              <ul className="tag-list" aria-label="Authentication">
                {api.authMethods.map((method) => (
                  <li key={method} className="badge badge-neutral">
                    {AUTH_LABELS[method] ?? method}
                  </li>
                ))}
              </ul>
              <p className="card-meta">
                {api.basePath && <code>{api.basePath}</code>}
                {api.ownerTeam && <span>· by {api.ownerTeam.name}</span>}
                {api.approval && (
                  <span>
                    · production: {api.approval.production === 'auto' ? 'instant' : 'approval'}
                  </span>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
      <Pager
        page={page}
        pageSize={apis.pageSize ?? PAGE_SIZE}
        total={apis.total ?? apis.items.length}
        hrefFor={(target) => pageHref('/catalog', params, target)}
        label="Catalog pages"
      />
    </div>
  );
}
