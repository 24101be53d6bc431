import type { SiemRecord } from './siem-record.js';

/** Header fields: backslash and pipe are escaped; a header cannot hold a line break. */
export function escapeCefHeader(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Extension values: backslash, equals sign and line breaks are escaped (pipes are not). */
export function escapeCefExtension(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/=/g, '\\=')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');
}

export interface CefOptions {
  productVersion: string;
}

/**
 * ArcSight CEF:0. Field mapping (README "SIEM export and alerts"): rt, externalId, cat, src,
 * suser, request, requestMethod, requestClientApplication, outcome, act, reason, in, out,
 * deviceExternalId, msg, cn1 (httpStatus), cn2 (latencyMs), cn3 (count), cs1 (appId), cs2 (api),
 * cs3 (environment), cs4 (requestId), cs5 (traceId), cs6 (target).
 */
export function formatCef(record: SiemRecord, options: CefOptions): string {
  const header = [
    'CEF:0',
    'Portcullis',
    'Portcullis',
    options.productVersion,
    record.signatureId,
    record.name,
    String(record.severity),
  ]
    .map((field, index) => (index === 0 ? field : escapeCefHeader(field)))
    .join('|');
  const pairs: [string, string | number | undefined][] = [
    ['rt', record.time.getTime()],
    ['externalId', record.eventId],
    ['cat', record.eventType],
    ['src', record.sourceIp],
    ['suser', record.user],
    ['request', record.requestPath],
    ['requestMethod', record.requestMethod],
    ['requestClientApplication', record.userAgent],
    ['outcome', record.outcome],
    ['act', record.action],
    ['reason', record.reason],
    ['in', record.bytesIn],
    ['out', record.bytesOut],
    ['deviceExternalId', record.gatewayId],
    ['msg', record.summary],
    ...labelled('cn1', 'httpStatus', record.httpStatus),
    ...labelled('cn2', 'latencyMs', record.latencyMs),
    ...labelled('cn3', 'count', record.count),
    ...labelled('cs1', 'appId', record.appId),
    ...labelled('cs2', 'api', record.api),
    ...labelled('cs3', 'environment', record.environment),
    ...labelled('cs4', 'requestId', record.requestId),
    ...labelled('cs5', 'traceId', record.traceId),
    ...labelled('cs6', 'target', record.target),
  ];
  const extension = pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeCefExtension(String(value))}`)
    .join(' ');
  return `${header}|${extension}`;
}

function labelled(
  key: string,
  label: string,
  value: string | number | undefined,
): [string, string | number | undefined][] {
  return value === undefined
    ? []
    : [
        [key, value],
        [`${key}Label`, label],
      ];
}
