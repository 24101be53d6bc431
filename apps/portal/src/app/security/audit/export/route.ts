import { readAuditFilters, toAuditQuery } from '../../../../lib/audit-filters';
import { toProblem } from '../../../../lib/problem';
import { backendFetch, BackendError } from '../../../../server/backend';
import { sessionToken } from '../../../../server/session';

export const dynamic = 'force-dynamic';

/**
 * Streams an audit export from the audit service to the browser, adding the session's bearer on
 * the way: the token never reaches the page. A GET that changes nothing, so no CSRF token.
 */
export async function GET(request: Request): Promise<Response> {
  if (!(await sessionToken())) return new Response('Sign in first.', { status: 401 });
  const url = new URL(request.url);
  const format = url.searchParams.get('format') === 'csv' ? 'csv' : 'ndjson';
  const filters = readAuditFilters(Object.fromEntries(url.searchParams));
  let upstream: Response;
  try {
    upstream = await backendFetch('audit', '/v1/audit/events/export', {
      query: { ...toAuditQuery(filters), format },
      stream: true,
    });
  } catch (error) {
    const detail =
      error instanceof BackendError ? error.message : 'The audit service is unreachable.';
    return Response.json({ status: 503, title: 'Export failed', detail }, { status: 503 });
  }
  if (!upstream.ok || !upstream.body) {
    const problem = toProblem(upstream.status, await upstream.json().catch(() => null));
    return Response.json(problem, {
      status: upstream.status,
      headers: { 'content-type': 'application/problem+json' },
    });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new Response(upstream.body, {
    status: 200,
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="portcullis-audit-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
