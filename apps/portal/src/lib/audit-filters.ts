/** The audit search filters the portal offers, read from the page's query string. */
export const AUDIT_FILTER_KEYS = [
  'from',
  'to',
  'appId',
  'apiId',
  'clientId',
  'decision',
  'status',
  'sourceIp',
  'traceId',
  'type',
] as const;
export type AuditFilterKey = (typeof AUDIT_FILTER_KEYS)[number];
export type AuditFilters = Partial<Record<AuditFilterKey, string>>;

const DATE_KEYS = new Set<AuditFilterKey>(['from', 'to']);

/**
 * Keeps known, non-empty filters. `from`/`to` come from datetime-local inputs (no zone): they are
 * read as UTC, which the page says, and sent as ISO 8601 with an offset as the audit API wants.
 */
export function readAuditFilters(
  params: Record<string, string | string[] | undefined>,
): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of AUDIT_FILTER_KEYS) {
    const raw = params[key];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (!value || value.length > 256) continue;
    filters[key] = value;
  }
  return filters;
}

export function toAuditQuery(filters: AuditFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(filters) as [AuditFilterKey, string][]) {
    if (DATE_KEYS.has(key)) {
      const iso = localToIso(value);
      if (iso) query[key] = iso;
    } else {
      query[key] = value;
    }
  }
  return query;
}

function localToIso(value: string): string | null {
  const withZone = /[zZ]|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The page's own query string for these filters (plus extras such as the cursor). */
export function filtersQueryString(
  filters: AuditFilters,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra }))
    if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
