import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { requestAccess } from '../../../actions/application-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { RadioGroupField, SelectField, TextAreaField } from '../../../components/forms/fields';
import { OpenApiView } from '../../../components/openapi-view';
import { SnippetTabs } from '../../../components/snippet-tabs';
import { EmptyState, PageHeader, Section } from '../../../components/ui';
import { generateSnippets } from '../../../lib/snippets';
import { apiPath, identity, optional } from '../../../server/backend';
import {
  apiDetailSchema,
  applicationSchema,
  credentialSchema,
  listOf,
  type Application,
} from '../../../server/models';
import { publicUrls } from '../../../server/public-urls';
import { readCatalog } from '../../../server/catalog-access';
import { csrfToken, currentViewer } from '../../../server/session';

export const metadata: Metadata = { title: 'API' };

function planLimits(plan: {
  ratePerSecond?: number | null;
  burst?: number | null;
  monthlyQuota?: number | null;
}) {
  const parts = [];
  if (plan.ratePerSecond) parts.push(`${plan.ratePerSecond} requests/s`);
  if (plan.burst) parts.push(`bursts of ${plan.burst}`);
  parts.push(
    plan.monthlyQuota ? `${plan.monthlyQuota.toLocaleString('en')} a month` : 'no monthly quota',
  );
  return parts.join(', ');
}

export default async function ApiPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const query = await searchParams;
  const viewer = await currentViewer();
  const [found, apps, csrf] = await Promise.all([
    readCatalog(viewer, apiPath`/v1/apis/${slug}`, apiDetailSchema),
    viewer
      ? // The subscribe form offers the person's applications: the largest page identity gives.
        identity('/v1/applications', listOf(applicationSchema), { query: { pageSize: 100 } })
      : Promise.resolve({ items: [] as Application[], nextCursor: null }),
    csrfToken(),
  ]);
  // No service token for visitors on this installation: the catalog is behind sign-in.
  if (!found) redirect(`/sign-in?next=${encodeURIComponent(`/catalog/${slug}`)}`);
  const api = found;
  const selectedAppId =
    typeof query.app === 'string' && apps.items.some((app) => app.id === query.app)
      ? query.app
      : apps.items[0]?.id;
  const credentials = selectedAppId
    ? await optional(
        identity(apiPath`/v1/applications/${selectedAppId}/credentials`, listOf(credentialSchema)),
      )
    : null;
  const clientId =
    credentials?.items.find((credential) => credential.status === 'active' && credential.clientId)
      ?.clientId ?? 'YOUR_CLIENT_ID';
  const urls = publicUrls();
  // Prefer a read-only route: the example should be safe to run as is.
  const firstRoute =
    api.routes.find((route) => route.method === 'GET') ??
    api.routes.find((route) => route.method !== '*') ??
    api.routes[0];
  const usesOAuth =
    api.authMethods.length === 0 || api.authMethods.includes('oauth2_client_credentials');
  const snippets = generateSnippets({
    auth: usesOAuth ? 'client_credentials' : 'api_key',
    tokenUrl: urls.tokenUrl,
    gatewayUrl: urls.gateway,
    basePath: api.basePath,
    path: firstRoute?.pathPattern ?? firstRoute?.path ?? '/',
    method: firstRoute && firstRoute.method !== '*' ? firstRoute.method : 'GET',
    clientId,
    resource: api.audience ?? `urn:portcullis:api:${api.slug}`,
    scopes: firstRoute?.requiredScopes ?? [],
  });
  const approval = api.approval ?? {
    sandbox: api.approvalModeSandbox ?? 'auto',
    production: api.approvalModeProduction ?? 'manual',
  };
  const modeText = (mode: string) =>
    mode === 'auto' ? 'granted at once' : 'an API owner approves it';

  return (
    <div className="container page">
      <PageHeader
        eyebrow={api.ownerTeam ? `API · by ${api.ownerTeam.name}` : 'API'}
        title={api.name}
        lead={api.description ?? undefined}
      />
      <dl className="details-list api-facts">
        <dt>Gateway path</dt>
        <dd>
          <code>
            {urls.gateway}
            {api.basePath}
          </code>
        </dd>
        <dt>Authentication</dt>
        <dd>{api.authMethods.join(', ') || 'oauth2_client_credentials'}</dd>
        <dt>Sandbox access</dt>
        <dd>{modeText(approval.sandbox)}</dd>
        <dt>Production access</dt>
        <dd>{modeText(approval.production)}</dd>
      </dl>

      <div className="split">
        <div>
          <Section title="Plans" id="plans-title">
            {api.plans.length === 0 ? (
              <p className="muted">No plans yet: access cannot be requested.</p>
            ) : (
              <ul className="grid-cards">
                {api.plans.map((plan) => (
                  <li key={plan.id} className="card">
                    <h3>{plan.name}</h3>
                    {plan.description && <p className="muted">{plan.description}</p>}
                    <p>{planLimits(plan)}</p>
                    {plan.approvalMode && (
                      <p className="card-meta">Access: {modeText(plan.approvalMode)}</p>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </Section>

          <Section title="For example" id="examples">
            <p>
              Get a token with your application’s client credentials, then call the API through the
              gateway.{' '}
              {clientId === 'YOUR_CLIENT_ID'
                ? 'Create credentials on your application page and the client id appears here.'
                : 'Your client id is filled in; the secret stays in an environment variable.'}{' '}
              <Link href="/docs/getting-started">Read the walkthrough</Link>.
            </p>
            {apps.items.length > 1 && (
              <form
                className="search-form"
                method="get"
                action={`/catalog/${encodeURIComponent(api.slug)}`}
              >
                <label>
                  Examples for application
                  <select name="app" defaultValue={selectedAppId}>
                    {apps.items.map((app) => (
                      <option key={app.id} value={app.id}>
                        {app.name}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit" className="button button-secondary">
                  Show
                </button>
              </form>
            )}
            <SnippetTabs snippets={snippets} />
          </Section>

          <Section title="Routes and scopes" id="routes-title">
            {api.routes.length === 0 ? (
              <p className="muted">No routes published.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Method</th>
                      <th scope="col">Path</th>
                      <th scope="col">Scopes needed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {api.routes.map((route) => (
                      <tr key={`${route.method} ${route.pathPattern ?? route.path}`}>
                        <td>
                          <span className="method">{route.method}</span>
                        </td>
                        <th scope="row">
                          <code>
                            {api.basePath}
                            {route.pathPattern ?? route.path}
                          </code>
                        </th>
                        <td>
                          {route.requiredScopes.length > 0
                            ? route.requiredScopes.join(', ')
                            : 'none'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {api.scopes.length > 0 && (
              <>
                <h3>Scopes</h3>
                <ul className="plain-list">
                  {api.scopes.map((scope) => (
                    <li key={scope.name}>
                      <code>{scope.name}</code>
                      {scope.description && <span className="muted"> — {scope.description}</span>}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </Section>

          <Section title="Reference" id="reference-title">
            <OpenApiView document={api.openapiDocument} />
          </Section>
        </div>

        <Section title="Request access" id="request-title">
          {!viewer ? (
            <EmptyState title="Sign in to request access">
              <p>Access is granted to an application your team registers in the portal.</p>
              <Link
                className="button button-primary"
                href={`/sign-in?next=${encodeURIComponent(`/catalog/${api.slug}`)}`}
              >
                Sign in
              </Link>{' '}
              <Link className="button button-secondary" href="/sign-up">
                Create a developer account
              </Link>
            </EmptyState>
          ) : apps.items.length === 0 ? (
            <EmptyState title="Register an application first">
              <p>Access is granted to an application, not to a person.</p>
              <Link className="button button-primary" href="/apps/new">
                Register an application
              </Link>
            </EmptyState>
          ) : api.plans.length === 0 ? (
            <p className="muted">This API has no plans yet.</p>
          ) : (
            <ActionForm
              action={requestAccess.bind(null, api.slug)}
              csrf={csrf}
              submitLabel="Request access"
              pendingLabel="Sending request…"
              className="compact-form"
              label="Request access"
            >
              <SelectField
                name="applicationId"
                label="Application"
                defaultValue={selectedAppId}
                options={apps.items.map((app) => ({ value: app.id, label: app.name }))}
                required
              />
              <RadioGroupField
                name="planId"
                label="Plan"
                defaultValue={api.plans[0]?.id}
                required
                options={api.plans.map((plan) => ({
                  value: plan.id,
                  label: plan.name,
                  description: planLimits(plan),
                }))}
              />
              <RadioGroupField
                name="environment"
                label="Environment"
                defaultValue="sandbox"
                required
                options={[
                  {
                    value: 'sandbox',
                    label: 'Sandbox',
                    description: `Test data; ${modeText(approval.sandbox)}.`,
                  },
                  {
                    value: 'production',
                    label: 'Production',
                    description: `Live data; ${modeText(approval.production)}.`,
                  },
                ]}
              />
              <TextAreaField
                name="justification"
                label="Why does your application need it?"
                hint="The API owner reads this. Say what you will call and roughly how often."
                required
              />
            </ActionForm>
          )}
        </Section>
      </div>
    </div>
  );
}
