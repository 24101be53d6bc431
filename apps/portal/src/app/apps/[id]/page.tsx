import type { Metadata } from 'next';
import Link from 'next/link';
import {
  createCredential,
  revokeCredential,
  rotateCredential,
} from '../../../actions/application-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { RadioGroupField, TextAreaField, TextField } from '../../../components/forms/fields';
import { EmptyState, PageHeader, Section, StatusBadge } from '../../../components/ui';
import { CREDENTIAL_KIND_LABELS, ENVIRONMENT_LABELS, formatDateTime } from '../../../lib/format';
import { apiPath, identity, optional } from '../../../server/backend';
import {
  applicationSchema,
  credentialSchema,
  listOf,
  subscriptionSchema,
  type Credential,
} from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Application' };

export default async function ApplicationPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  await requireViewer(`/apps/${id}`);
  const [app, subscriptions, credentials, csrf, query] = await Promise.all([
    identity(apiPath`/v1/applications/${id}`, applicationSchema),
    identity(apiPath`/v1/applications/${id}/subscriptions`, listOf(subscriptionSchema)),
    optional(identity(apiPath`/v1/applications/${id}/credentials`, listOf(credentialSchema))),
    csrfToken(),
    searchParams,
  ]);
  const approved = subscriptions.items.filter((subscription) => subscription.status === 'approved');
  return (
    <div className="container page">
      <PageHeader
        eyebrow={app.team?.name ? `Application · ${app.team.name}` : 'Application'}
        title={app.name}
        lead={app.description ?? undefined}
        actions={
          <Link
            className="button button-primary"
            href={`/catalog?app=${encodeURIComponent(app.id)}`}
          >
            Request access to an API
          </Link>
        }
      />
      {query.created === '1' && (
        <p className="notice" role="status">
          Application registered. Next: pick an API in the catalog and request access.
        </p>
      )}

      <Section title="API access" id="subscriptions-title">
        {subscriptions.items.length === 0 ? (
          <EmptyState title="No API access yet">
            <p>Find an API in the catalog and request access for sandbox or production.</p>
            <Link
              className="button button-secondary"
              href={`/catalog?app=${encodeURIComponent(app.id)}`}
            >
              Browse the catalog
            </Link>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">API</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col">Requested</th>
                </tr>
              </thead>
              <tbody>
                {subscriptions.items.map((subscription) => (
                  <tr key={subscription.id}>
                    <th scope="row">
                      <Link href={`/subscriptions/${encodeURIComponent(subscription.id)}`}>
                        {subscription.api?.name ?? 'API'}
                      </Link>
                    </th>
                    <td>
                      {ENVIRONMENT_LABELS[subscription.environment] ?? subscription.environment}
                    </td>
                    <td>{subscription.plan?.name ?? '—'}</td>
                    <td>
                      <StatusBadge status={subscription.status} />
                    </td>
                    <td>{formatDateTime(subscription.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {approved.length > 0 && (
          <p>
            Ready to call:{' '}
            {approved.map((subscription, index) => (
              <span key={subscription.id}>
                {index > 0 && ', '}
                <Link
                  href={`/catalog/${encodeURIComponent(subscription.api?.slug ?? '')}?app=${encodeURIComponent(app.id)}#examples`}
                >
                  {subscription.api?.name} examples
                </Link>
              </span>
            ))}
          </p>
        )}
      </Section>

      <div className="split">
        <Section title="Credentials" id="credentials-title">
          {credentials === null ? (
            <p className="muted">You cannot see this application’s credentials.</p>
          ) : credentials.items.length === 0 ? (
            <EmptyState title="No credentials yet">
              <p>Create one once access is approved. Its secret is shown only once.</p>
            </EmptyState>
          ) : (
            <ul className="plain-list">
              {credentials.items.map((credential) => (
                <CredentialItem
                  key={credential.id}
                  appId={app.id}
                  credential={credential}
                  csrf={csrf}
                />
              ))}
            </ul>
          )}
        </Section>

        <Section title="Create a credential" id="new-credential-title">
          <ActionForm
            action={createCredential.bind(null, app.id)}
            csrf={csrf}
            submitLabel="Create credential"
            pendingLabel="Creating…"
            label="Create a credential"
          >
            <RadioGroupField
              name="kind"
              label="Type"
              defaultValue="client_secret"
              required
              options={[
                {
                  value: 'client_secret',
                  label: 'OAuth2 client credentials',
                  description:
                    'A client id and secret; your service exchanges them for short-lived tokens.',
                },
                {
                  value: 'api_key',
                  label: 'API key',
                  description:
                    'One static key sent in the X-API-Key header, for APIs that accept it.',
                },
                {
                  value: 'private_key_jwt',
                  label: 'OAuth2 with a private key (private_key_jwt)',
                  description:
                    'No shared secret: your service signs each token request with its own key; Portcullis keeps only the public key.',
                },
                {
                  value: 'tls_client_auth',
                  label: 'OAuth2 with a client certificate (mutual TLS)',
                  description:
                    'Your service presents its certificate on the mutual-TLS token endpoint; tokens are bound to it.',
                },
              ]}
            />
            <div className="credential-material credential-material-jwt">
              <TextAreaField
                name="publicKeys"
                label="Public key"
                required
                rows={6}
                hint="Your JWK Set, one public JWK, or a PEM public key (-----BEGIN PUBLIC KEY-----). A PEM key gets its RFC 7638 thumbprint as kid. Never paste the private key."
              />
            </div>
            <div className="credential-material credential-material-tls">
              <TextAreaField
                name="certificate"
                label="Client certificate"
                required
                rows={6}
                hint="The PEM certificate (-----BEGIN CERTIFICATE-----), or its SHA-256 thumbprint: 43 base64url characters, or the hex fingerprint openssl x509 -fingerprint -sha256 prints."
              />
            </div>
            <RadioGroupField
              name="environment"
              label="Environment"
              defaultValue="production"
              required
              options={[
                { value: 'sandbox', label: 'Sandbox' },
                { value: 'production', label: 'Production' },
              ]}
            />
          </ActionForm>
        </Section>
      </div>
    </div>
  );
}

function CredentialItem({
  appId,
  credential,
  csrf,
}: {
  appId: string;
  credential: Credential;
  csrf: string;
}) {
  const active = credential.status === 'active';
  const name = credential.clientId ?? credential.keyId ?? credential.prefix ?? credential.id;
  return (
    <li className="card credential">
      <h3>
        {CREDENTIAL_KIND_LABELS[credential.kind] ?? credential.kind} ·{' '}
        {ENVIRONMENT_LABELS[credential.environment] ?? credential.environment}{' '}
        <StatusBadge status={credential.status} />
      </h3>
      <dl className="details-list">
        {credential.clientId && (
          <>
            <dt>Client ID</dt>
            <dd>
              <code>{credential.clientId}</code>
            </dd>
          </>
        )}
        {credential.certificateThumbprint && (
          <>
            <dt>Certificate (SHA-256)</dt>
            <dd>
              <code className="break-all">{credential.certificateThumbprint}</code>
            </dd>
          </>
        )}
        {credential.jwks && credential.jwks.keys.length > 0 && (
          <>
            <dt>Public keys</dt>
            <dd>
              {credential.jwks.keys
                .map(
                  (key) =>
                    `${key.kty}${key.crv ? ` ${key.crv}` : ''}${key.kid ? ` · kid ${key.kid}` : ''}`,
                )
                .join(', ')}
            </dd>
          </>
        )}
        {credential.keyId && (
          <>
            <dt>Key ID</dt>
            <dd>
              <code>{credential.keyId}</code>
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatDateTime(credential.createdAt)}</dd>
        <dt>Last used</dt>
        <dd>{credential.lastUsedAt ? formatDateTime(credential.lastUsedAt) : 'Never'}</dd>
        {credential.graceUntil && (
          <>
            <dt>Valid until</dt>
            <dd>{formatDateTime(credential.graceUntil)} (rotated; overlap period)</dd>
          </>
        )}
      </dl>
      {active && (
        <div className="credential-actions">
          <ActionForm
            action={rotateCredential.bind(null, appId, credential.id, credential.kind)}
            csrf={csrf}
            submitLabel="Rotate"
            pendingLabel="Rotating…"
            variant="secondary"
            className="compact-form"
            label={`Rotate credential ${name}`}
          >
            <TextField
              name="graceHours"
              label="Keep the old one working for (hours)"
              type="number"
              inputMode="numeric"
              defaultValue="24"
              required
            />
            {credential.kind === 'private_key_jwt' && (
              <TextAreaField
                name="publicKeys"
                label="New public key"
                hint="JWK Set, JWK or PEM public key; the old keys keep working during the overlap."
                rows={4}
                required
              />
            )}
            {credential.kind === 'tls_client_auth' && (
              <TextAreaField
                name="certificate"
                label="New client certificate"
                hint="PEM certificate or its SHA-256 thumbprint."
                rows={4}
                required
              />
            )}
          </ActionForm>
          <ActionForm
            action={revokeCredential.bind(null, appId, credential.id)}
            csrf={csrf}
            submitLabel="Revoke now"
            pendingLabel="Revoking…"
            variant="danger"
            className="compact-form"
            label={`Revoke credential ${name}`}
          />
        </div>
      )}
    </li>
  );
}
