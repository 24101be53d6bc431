import type { Metadata } from 'next';
import Link from 'next/link';
import { CodeBlock } from '../../../components/code-block';
import { PageHeader } from '../../../components/ui';
import { SECRET_ENV } from '../../../lib/snippets';
import { publicUrls } from '../../../server/public-urls';

export const metadata: Metadata = { title: 'Getting a token and calling an API' };

export default function GettingStartedPage() {
  const urls = publicUrls();
  const token = [
    `curl -s -X POST '${urls.tokenUrl}' \\`,
    `  -u "$CLIENT_ID:$${SECRET_ENV}" \\`,
    `  -d 'grant_type=client_credentials&resource=urn%3Aportcullis%3Aapi%3Apayments'`,
  ].join('\n');
  const answer = `{
  "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6...",
  "token_type": "Bearer",
  "expires_in": 900
}`;
  const call = [
    `curl '${urls.gateway}/payments/orders' \\`,
    `  -H "Authorization: Bearer $TOKEN"`,
  ].join('\n');
  return (
    <article className="container page prose" aria-labelledby="page-title">
      <PageHeader
        eyebrow="Guide"
        title="Getting a token and calling an API"
        lead="Five minutes from an approved request to your first successful call."
      />
      <ol className="guide-steps">
        <li>
          <h2>Register an application and request access</h2>
          <p>
            An <Link href="/apps/new">application</Link> is the service that calls APIs. In the{' '}
            <Link href="/catalog">catalog</Link>, open an API, pick a plan and an environment and
            say why you need it. Sandbox access is often granted at once; production usually waits
            for an API owner.
          </p>
        </li>
        <li>
          <h2>Create credentials</h2>
          <p>
            On the application page, create <strong>OAuth2 client credentials</strong> for the
            environment. You get a client id and a secret. <strong>The secret is shown once</strong>{' '}
            — put it in your secret manager and expose it to your service as{' '}
            <code>{SECRET_ENV}</code>. Lost it? Rotate: the old one keeps working for the overlap
            you choose, so you can roll out the new one without downtime.
          </p>
        </li>
        <li>
          <h2>Get an access token</h2>
          <p>
            Exchange the client credentials for a short-lived token (OAuth 2.0 client credentials
            grant, RFC 6749 §4.4). Name the API you want to call as the <code>resource</code> (RFC
            8707) and, if you need only some, the scopes.
          </p>
          <CodeBlock label="Token request" code={token} />
          <CodeBlock label="Token response" code={answer} />
          <p>
            Reuse the token until shortly before <code>expires_in</code> runs out; do not fetch one
            per call.
          </p>
        </li>
        <li>
          <h2>Call the API through the gateway</h2>
          <CodeBlock label="API call" code={call} />
          <p>
            The gateway checks the token, your subscription, the scopes of the route and your plan’s
            rate limit. A <code>401</code> means the token is missing, expired or revoked; a{' '}
            <code>403</code> names what is missing in its <code>WWW-Authenticate</code> header; a{' '}
            <code>429</code> says when to retry in <code>Retry-After</code>.
          </p>
        </li>
        <li>
          <h2>Use the examples</h2>
          <p>
            Every API page has ready-made examples in curl, Node.js, Python, Java, Go and C# with
            your application’s client id filled in. Every call — allowed or denied — lands in the
            audit trail, so your API owner can help you when something is refused.
          </p>
        </li>
      </ol>
    </article>
  );
}
