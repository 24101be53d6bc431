import type { Metadata } from 'next';
import Link from 'next/link';
import { AdminNav } from '../../../components/admin-nav';
import { EmptyState, NotAllowed, PageHeader } from '../../../components/ui';
import { identity } from '../../../server/backend';
import { apiSummarySchema, listOf } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';

export const metadata: Metadata = { title: 'APIs and plans' };

function mode(value: string | null | undefined): string {
  return value === 'auto' ? 'Automatic' : value === 'manual' ? 'Manual approval' : '—';
}

export default async function AdminApisPage() {
  const viewer = await requireViewer('/admin/apis');
  if (!viewer.isAdmin && !viewer.isSecurity) return <NotAllowed what="API administration" />;
  const apis = await identity('/v1/apis', listOf(apiSummarySchema), { query: { pageSize: 100 } });
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Administration"
        title="APIs and plans"
        lead="Every published API with its plans and how access is approved. Admins edit descriptions, approval modes and plans here; routes and scopes live in the catalog file or the admin API."
      />
      <AdminNav />
      {apis.items.length === 0 ? (
        <EmptyState title="No APIs published" />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">API</th>
                <th scope="col">Owner</th>
                <th scope="col">Gateway path</th>
                <th scope="col">Authentication</th>
                <th scope="col">Sandbox</th>
                <th scope="col">Production</th>
                <th scope="col">Plans</th>
              </tr>
            </thead>
            <tbody>
              {apis.items.map((api) => (
                <tr key={api.id}>
                  <th scope="row">
                    <Link href={`/catalog/${encodeURIComponent(api.slug)}`}>{api.name}</Link>
                    <br />
                    <Link href={`/owner/apis/${encodeURIComponent(api.slug)}`} className="muted">
                      usage and consumers
                    </Link>
                    {viewer.isAdmin && (
                      <>
                        <br />
                        <Link
                          href={`/admin/apis/${encodeURIComponent(api.slug)}`}
                          aria-label={`Edit ${api.name}`}
                        >
                          Edit
                        </Link>
                      </>
                    )}
                  </th>
                  <td>{api.ownerTeam?.name ?? '—'}</td>
                  <td>
                    <code>{api.basePath}</code>
                  </td>
                  <td>{api.authMethods.join(', ') || '—'}</td>
                  <td>{mode(api.approval?.sandbox ?? api.approvalModeSandbox)}</td>
                  <td>{mode(api.approval?.production ?? api.approvalModeProduction)}</td>
                  <td>
                    {(api.plans ?? []).length === 0
                      ? '—'
                      : (api.plans ?? []).map((plan) => (
                          <div key={plan.id}>
                            {plan.name}
                            <span className="muted">
                              {' '}
                              {plan.ratePerSecond ? `${plan.ratePerSecond}/s` : ''}
                              {plan.monthlyQuota
                                ? `, ${plan.monthlyQuota.toLocaleString('en')}/month`
                                : ''}
                              {plan.approvalMode
                                ? `, ${mode(plan.approvalMode).toLowerCase()}`
                                : ''}
                            </span>
                          </div>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
