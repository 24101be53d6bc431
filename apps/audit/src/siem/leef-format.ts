import type { SiemRecord } from './siem-record.js';

export interface LeefOptions {
  productVersion: string;
  /** One character separating attributes; tab (LEEF's default) unless set. */
  delimiter?: string;
}

/** Header fields: backslash and pipe escaped, no line breaks. */
export function escapeLeefHeader(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ');
}

/**
 * Attribute values: backslash, the delimiter, tab and line breaks are escaped. `=` needs no
 * escaping (keys never hold one, and parsers split at the first), but is escaped as `\=` too so
 * that strict parsers do not misread it.
 */
export function escapeLeefValue(value: string, delimiter: string): string {
  let escaped = '';
  for (const char of value) {
    if (char === '\\') escaped += '\\\\';
    else if (char === '\n') escaped += '\\n';
    else if (char === '\r') escaped += '\\r';
    else if (char === '\t') escaped += '\\t';
    else if (char === '=') escaped += '\\=';
    else if (char === delimiter) escaped += `\\${char}`;
    else escaped += char;
  }
  return escaped;
}

/** The delimiter as written in the header: hex (`x09`) for tab and anything not printable. */
export function leefDelimiterField(delimiter: string): string {
  const code = delimiter.codePointAt(0) ?? 9;
  return code > 0x20 && code < 0x7f && delimiter !== '|' && delimiter !== '\\'
    ? delimiter
    : `x${code.toString(16).padStart(2, '0')}`;
}

/**
 * One character, and none LEEF gives another meaning: `=` separates key and value, `\` escapes the
 * delimiter inside values, CR and LF end the message.
 */
export function isUsableLeefDelimiter(delimiter: string): boolean {
  return [...delimiter].length === 1 && !/[=\\\r\n]/.test(delimiter);
}

export const LEEF_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";

/**
 * IBM LEEF 2.0. Predefined keys: devTime/devTimeFormat, cat, sev, src, usrName, srcBytes,
 * dstBytes, url, proto-free; the rest are custom keys named as in the README.
 */
export function formatLeef(record: SiemRecord, options: LeefOptions): string {
  const delimiter = options.delimiter ?? '\t';
  if (!isUsableLeefDelimiter(delimiter)) {
    throw new RangeError('LEEF delimiter must be one character other than =, \\, CR or LF');
  }
  const header = [
    'LEEF:2.0',
    escapeLeefHeader('Portcullis'),
    escapeLeefHeader('Portcullis'),
    escapeLeefHeader(options.productVersion),
    escapeLeefHeader(record.signatureId),
    leefDelimiterField(delimiter),
  ].join('|');
  const pairs: [string, string | number | undefined][] = [
    ['devTime', formatLeefTime(record.time)],
    ['devTimeFormat', LEEF_TIME_FORMAT],
    ['cat', record.eventType],
    ['sev', record.severity],
    ['eventId', record.eventId],
    ['eventName', record.name],
    ['src', record.sourceIp],
    ['usrName', record.user],
    ['url', record.requestPath],
    ['requestMethod', record.requestMethod],
    ['httpStatus', record.httpStatus],
    ['outcome', record.outcome],
    ['action', record.action],
    ['reason', record.reason],
    ['srcBytes', record.bytesIn],
    ['dstBytes', record.bytesOut],
    ['latencyMs', record.latencyMs],
    ['appId', record.appId],
    ['api', record.api],
    ['environment', record.environment],
    ['requestId', record.requestId],
    ['traceId', record.traceId],
    ['userAgent', record.userAgent],
    ['gatewayId', record.gatewayId],
    ['target', record.target],
    ['summary', record.summary],
    ['count', record.count],
  ];
  const attributes = pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeLeefValue(String(value), delimiter)}`)
    .join(delimiter);
  return `${header}|${attributes}`;
}

/** 2026-11-26T23:59:15.123+0000 (UTC, matching LEEF_TIME_FORMAT). */
function formatLeefTime(time: Date): string {
  return time.toISOString().replace('Z', '+0000');
}
