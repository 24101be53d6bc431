import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, PageHeader } from '../../components/ui';
import { identity } from '../../server/backend';
import { apiSummarySchema, listOf } from '../../server/models';
import { requireViewer } from '../../server/require-viewer';

export const metadata: Metadata = { title: 'API catalog' };

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
  await requireViewer(`/catalog${q ? `?q=${encodeURIComponent(q)}` : ''}`);
  const apis = await identity('/v1/apis', listOf(apiSummarySchema), {
    query: { q, pageSize: 100 },
  });
  const suffix = app ? `?app=${encodeURIComponent(app)}` : '';
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Catalog"
        title="API catalog"
        lead="Every API published behind the gateway. Open one to read its reference, see examples and request access."
      />
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
    </div>
  );
}
