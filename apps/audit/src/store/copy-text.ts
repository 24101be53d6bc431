/**
 * Values in PostgreSQL's COPY text format (`COPY … FROM STDIN`, the default format): fields
 * separated by a tab, rows ended by a newline, NULL written `\N`. Inside a field a backslash,
 * tab, newline and carriage return must be escaped, or they would end the field or the row (or,
 * for `\.` alone on a line, the whole data). Every other character, Unicode included, goes as
 * is (the connection is UTF-8).
 */

export const COPY_NULL = '\\N';

// Characters that must not appear raw inside a field; a NUL cannot appear at all.
const SPECIAL = /[\\\t\n\r\0]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A JSON `\u0000` escape (an odd run of backslashes before it), not the text `\\u0000`. */
const JSON_NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

export class UnstorableValueError extends Error {}

/** A text field. PostgreSQL text cannot hold U+0000, so such a value is refused, never cut. */
export function copyText(value: string | null): string {
  if (value === null) return COPY_NULL;
  // Most values need nothing: test once instead of running a replace on every field.
  if (!SPECIAL.test(value)) return value;
  if (value.includes('\0')) {
    throw new UnstorableValueError('PostgreSQL text cannot hold U+0000');
  }
  return value.replace(/[\\\t\n\r]/g, (character) => ESCAPES[character]!);
}

/** A number (int or float8) field. `String` writes what the column parses back exactly. */
export function copyNumber(value: number | null): string {
  if (value === null) return COPY_NULL;
  if (!Number.isFinite(value)) throw new UnstorableValueError(`not a finite number: ${value}`);
  return String(value);
}

/** A jsonb field from JSON text. jsonb refuses the `\u0000` escape, so it is refused here first. */
export function copyJson(json: string): string {
  if (jsonHasNul(json)) {
    throw new UnstorableValueError('jsonb cannot hold U+0000');
  }
  return copyText(json);
}

/** True when JSON text holds a U+0000 escape (the text `\u0000` written as `\\u0000` is fine). */
export function jsonHasNul(json: string): boolean {
  return json.includes('\\u0000') && JSON_NUL_ESCAPE.test(json);
}
