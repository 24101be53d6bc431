/** Shown while a page's data loads: a labelled status, no layout jump. */
export default function Loading() {
  return (
    <div className="container page" role="status" aria-live="polite">
      <div className="skeleton skeleton-title" aria-hidden="true" />
      <div className="skeleton skeleton-line" aria-hidden="true" />
      <div className="skeleton skeleton-line short" aria-hidden="true" />
      <span className="visually-hidden">Loading…</span>
    </div>
  );
}
