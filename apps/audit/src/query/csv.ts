import type { AuditEventView } from './event-search.js';

export const CSV_COLUMNS = [
  'id',
  'time',
  'receivedAt',
  'type',
  'version',
  'source',
  'traceId',
  'teamId',
  'appId',
  'clientId',
  'apiId',
  'action',
  'decision',
  'reason',
  'status',
  'sourceIp',
  'latencyMs',
  'data',
] as const satisfies readonly (keyof AuditEventView)[];

// Spreadsheets run cells starting with these as formulas (CSV injection); tab and CR too.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 cell: formula-looking text gets a leading apostrophe, then quoting if needed. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    typeof value === 'string'
      ? value
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  if (typeof value === 'string' || typeof value === 'object') {
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(event: AuditEventView): string {
  return `${CSV_COLUMNS.map((column) => csvCell(event[column])).join(',')}\r\n`;
}
