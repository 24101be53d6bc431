import Link from 'next/link';
import { pageCount } from '../lib/paging';

/** Previous / next through a paged list, with where you are; nothing when it all fits one page. */
export function Pager({
  page,
  pageSize,
  total,
  hrefFor,
  label = 'Pages',
}: {
  page: number;
  pageSize: number;
  total: number;
  hrefFor: (page: number) => string;
  label?: string;
}) {
  const pages = pageCount(total, pageSize);
  if (pages <= 1 && page <= 1) return null;
  return (
    <nav aria-label={label} className="pager">
      {page > 1 ? (
        <Link href={hrefFor(page - 1)} rel="prev" className="button button-secondary button-small">
          Previous page
        </Link>
      ) : (
        <span />
      )}
      <span className="muted">
        Page {page} of {pages} · {total} in all
      </span>
      {page < pages ? (
        <Link href={hrefFor(page + 1)} rel="next" className="button button-secondary button-small">
          Next page
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
