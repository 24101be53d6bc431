/** Parsers a SIEM would run, written independently of the formatters so the tests can catch them. */

function splitUnescaped(text: string, separator: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (char === '\\' && index + 1 < text.length) {
      current += char + (text[index + 1] as string);
      index += 1;
    } else if (char === separator && parts.length < limit - 1) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(value: string, extra: Record<string, string> = {}): string {
  let out = '';
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index] as string;
    if (char !== '\\' || index + 1 >= value.length) {
      out += char;
      continue;
    }
    const next = value[index + 1] as string;
    index += 1;
    if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next in extra) out += extra[next];
    else out += next;
  }
  return out;
}

export interface ParsedCef {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extension: Record<string, string>;
}

export function parseCef(text: string): ParsedCef {
  const start = text.indexOf('CEF:');
  if (start < 0) throw new Error('not CEF');
  const parts = splitUnescaped(text.slice(start), '|', 8);
  if (parts.length !== 8) throw new Error(`CEF header has ${parts.length} fields`);
  const [version, vendor, product, productVersion, signatureId, name, severity, ext] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const extension: Record<string, string> = {};
  // Keys start after a space (or at the start) and end at an unescaped '='.
  const keyPattern = /(?:^| )([A-Za-z0-9_]+)=/g;
  const keys: { key: string; start: number; valueStart: number }[] = [];
  for (const match of ext.matchAll(keyPattern)) {
    const equals = (match.index ?? 0) + match[0].length - 1;
    let backslashes = 0;
    for (let index = equals - 1; index >= 0 && ext[index] === '\\'; index -= 1) backslashes += 1;
    if (backslashes % 2 === 1) continue;
    keys.push({ key: match[1] as string, start: match.index ?? 0, valueStart: equals + 1 });
  }
  keys.forEach((entry, index) => {
    const end = index + 1 < keys.length ? (keys[index + 1] as { start: number }).start : ext.length;
    extension[entry.key] = unescape(ext.slice(entry.valueStart, end));
  });
  return {
    version,
    vendor: unescape(vendor),
    product: unescape(product),
    productVersion: unescape(productVersion),
    signatureId: unescape(signatureId),
    name: unescape(name),
    severity,
    extension,
  };
}

export interface ParsedLeef {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  eventId: string;
  delimiter: string;
  attributes: Record<string, string>;
}

export function parseLeef(text: string): ParsedLeef {
  const start = text.indexOf('LEEF:');
  if (start < 0) throw new Error('not LEEF');
  const parts = splitUnescaped(text.slice(start), '|', 7);
  if (parts.length !== 7) throw new Error(`LEEF header has ${parts.length} fields`);
  const [version, vendor, product, productVersion, eventId, delimiterField, body] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const hex = /^(?:0x|x)([0-9a-fA-F]{2,4})$/.exec(delimiterField);
  const delimiter = hex ? String.fromCodePoint(parseInt(hex[1] as string, 16)) : delimiterField;
  const attributes: Record<string, string> = {};
  for (const pair of splitUnescaped(body, delimiter)) {
    const [key, value] = splitUnescaped(pair, '=', 2) as [string, string | undefined];
    attributes[key] = unescape(value ?? '', { t: '\t' });
  }
  return {
    version,
    vendor: unescape(vendor),
    product: unescape(product),
    productVersion: unescape(productVersion),
    eventId: unescape(eventId),
    delimiter,
    attributes,
  };
}

export interface ParsedSyslog {
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  message: string;
}

/** RFC 5424 with NILVALUE structured data (what the exporter writes). */
export function parseRfc5424(line: string): ParsedSyslog {
  const match = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) (.*)$/s.exec(line);
  if (!match) throw new Error(`not RFC 5424: ${line.slice(0, 80)}`);
  return {
    pri: Number(match[1]),
    version: match[2] as string,
    timestamp: match[3] as string,
    hostname: match[4] as string,
    appName: match[5] as string,
    procId: match[6] as string,
    msgId: match[7] as string,
    structuredData: match[8] as string,
    message: match[9] as string,
  };
}

/** Splits an RFC 6587 octet-counted stream into messages. */
export function splitOctetCounted(stream: Buffer): string[] {
  const messages: string[] = [];
  let offset = 0;
  while (offset < stream.length) {
    const space = stream.indexOf(0x20, offset);
    if (space < 0) throw new Error('truncated frame length');
    const length = Number(stream.subarray(offset, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0) throw new Error('bad frame length');
    const end = space + 1 + length;
    if (end > stream.length) throw new Error('truncated frame');
    messages.push(stream.subarray(space + 1, end).toString('utf8'));
    offset = end;
  }
  return messages;
}
