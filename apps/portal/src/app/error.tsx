'use client';

import Link from 'next/link';

/** A friendly page for anything that went wrong while rendering; never shows the error itself. */
export default function ErrorPage({
  error,
  retry,
}: {
  error: Error & { digest?: string };
  retry: () => void;
}) {
  return (
    <section className="container page" aria-labelledby="error-title">
      <h1 id="error-title">Something went wrong</h1>
      <p className="lead">
        We could not load this page. It may be a hiccup in one of the services behind the portal —
        trying again usually helps.
      </p>
      {error.digest && (
        <p className="muted">
          If it keeps happening, tell your administrator this reference: <code>{error.digest}</code>
        </p>
      )}
      <div className="page-actions">
        <button type="button" className="button button-primary" onClick={() => retry()}>
          Try again
        </button>
        <Link className="button button-secondary" href="/dashboard">
          Go to the dashboard
        </Link>
      </div>
    </section>
  );
}
