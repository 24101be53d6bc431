'use client';

import './globals.css';

/** Replaces the whole document when even the layout failed. */
export default function GlobalError({
  error,
  retry,
}: {
  error: Error & { digest?: string };
  retry: () => void;
}) {
  return (
    <html lang="en">
      <body>
        <main id="main" className="container page">
          <h1>Portcullis is having trouble</h1>
          <p>The portal could not render this page. Please try again in a moment.</p>
          {error.digest && (
            <p>
              Reference: <code>{error.digest}</code>
            </p>
          )}
          <button type="button" className="button button-primary" onClick={() => retry()}>
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
