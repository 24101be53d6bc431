import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, NotAllowed, PageHeader } from '../../../components/ui';
import { identity } from '../../../server/backend';
import { apiSummarySchema, listOf } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';

export const metadata: Metadata = { title: 'Your APIs' };

export default async function OwnedApisPage() {
  const viewer = await requireViewer('/owner/apis');
  if (!viewer.isApprover && !viewer.isSecurity)
    return <NotAllowed what="API usage and consumers" />;
  const apis = await identity('/v1/apis', listOf(apiSummarySchema), { query: { pageSize: 100 } });
  const mine =
    viewer.isAdmin || viewer.isSecurity
      ? apis.items
      : apis.items.filter((api) => viewer.me.approverApiIds.includes(api.id));
  return (
    <div className="container page">
      <PageHeader
        eyebrow="API owners"
        title="Your APIs"
        lead="Who uses each API, how much, and how it performs."
        actions={
          <Link className="button button-secondary" href="/approvals">
            Approvals inbox
          </Link>
        }
      />
      {mine.length === 0 ? (
        <EmptyState title="You approve no API yet" />
      ) : (
        <ul className="grid-cards">
          {mine.map((api) => (
            <li key={api.id} className="card">
              <h2>
                <Link href={`/owner/apis/${encodeURIComponent(api.slug)}`}>{api.name}</Link>
              </h2>
              {api.description && <p className="muted">{api.description}</p>}
              <p className="card-meta">{api.basePath && <code>{api.basePath}</code>}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
