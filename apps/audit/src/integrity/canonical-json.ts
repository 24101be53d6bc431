/** Text that is already canonical JSON, spliced in verbatim (so a nested value is serialised once). */
export class CanonicalJsonText {
  constructor(readonly text: string) {}
}

/**
 * Canonical JSON (RFC 8785 in spirit): object keys sorted, no whitespace, numbers and strings as
 * JSON.stringify writes them. The same value read back from JSONB gives the same text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) out += ',';
          out += canonicalJson(value[index]);
        }
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (value instanceof CanonicalJsonText) return value.text;
      const record = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, as RFC 8785 does.
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const entry = record[key];
        if (entry === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${canonicalJson(entry)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot serialise ${typeof value}`);
  }
}
