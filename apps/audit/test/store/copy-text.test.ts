import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COPY_NULL,
  UnstorableValueError,
  copyJson,
  copyNumber,
  copyText,
  jsonHasNul,
} from '../../src/store/copy-text.js';

/**
 * PostgreSQL's reading of one COPY text field (copyfrom.c, CopyReadAttributesText), written out
 * independently of the encoder: the encoder is right when this gives back the original.
 */
function readField(field: string): string | null {
  if (field === COPY_NULL) return null;
  let out = '';
  for (let index = 0; index < field.length; index++) {
    const character = field[index]!;
    if (character !== '\\') {
      out += character;
      continue;
    }
    const next = field[++index];
    const named: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    out += next !== undefined && next in named ? named[next] : next;
  }
  return out;
}

/** Splits a line as COPY does: on raw tabs only. */
function readLine(line: string): (string | null)[] {
  return line.split('\t').map(readField);
}

const HOSTILE = [
  'plain',
  '',
  'tab\there',
  'line\nbreak',
  'carriage\rreturn\r\n',
  'back\\slash',
  '\\',
  '\\\\',
  '\\N',
  'N',
  '\\.',
  '\n\\.\n',
  'trailing backslash\\',
  '"double" and \'single\' quotes',
  'comma, semicolon; pipe|',
  'ünïcödé — 日本語 — עברית — 🛡️🔑 — e\u0301',
  'text \\u0000 that only looks like a NUL',
  '\u0001\u0007\u001b[31mescape\u007f',
  '\u2028\u2029 line separators',
  '\uFEFF bom',
];

describe('COPY text encoding', () => {
  it('writes NULL as \\N and an empty string as an empty field', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('')).toBe('');
    expect(copyNumber(null)).toBe('\\N');
    // The text \N is not NULL: its backslash is escaped.
    expect(copyText('\\N')).toBe('\\\\N');
  });

  it('escapes backslash, tab, newline and carriage return, nothing else', () => {
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyText('"q" \'s\' ,;| ünï 🛡️')).toBe('"q" \'s\' ,;| ünï 🛡️');
  });

  it('gives back every hostile value, alone and side by side in one line', () => {
    for (const value of HOSTILE) {
      const field = copyText(value);
      expect(field).not.toMatch(/[\t\n\r]/);
      expect(readField(field)).toBe(value);
    }
    const line = [...HOSTILE, null].map(copyText).join('\t');
    expect(readLine(line)).toEqual([...HOSTILE, null]);
  });

  it('gives back any string without NUL (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, '')))),
        (values) => {
          const line = values.map(copyText).join('\t');
          expect(line).not.toMatch(/[\n\r]/);
          expect(readLine(line)).toEqual(values.length === 0 ? [''] : values);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses U+0000 instead of cutting the value', () => {
    expect(() => copyText('before\0after')).toThrow(UnstorableValueError);
    expect(() => copyJson(JSON.stringify({ path: 'a\0b' }))).toThrow(UnstorableValueError);
  });

  it('keeps JSON whose text only looks like a NUL escape', () => {
    const json = JSON.stringify({ path: 'x\\u0000y', nested: ['\\\\u0000'] });
    expect(jsonHasNul(json)).toBe(false);
    expect(JSON.parse(readField(copyJson(json))!)).toEqual({
      path: 'x\\u0000y',
      nested: ['\\\\u0000'],
    });
    // An escaped backslash and then a real NUL escape is still a NUL.
    expect(jsonHasNul(JSON.stringify({ path: '\\\0' }))).toBe(true);
    expect(jsonHasNul(JSON.stringify({ path: '\0' }))).toBe(true);
  });

  it('writes JSON text so that jsonb reads back the same JSON', () => {
    const data = { path: '/a\tb\nc', quote: '"', slash: '\\', emoji: '🛡️', text: '\\u0000' };
    const json = JSON.stringify(data);
    expect(JSON.parse(readField(copyJson(json))!)).toEqual(data);
  });

  it('writes numbers as PostgreSQL parses them back exactly', () => {
    for (const value of [0, 1, 599, 12.5, 0.1 + 0.2, 1e-7, 1.7976931348623157e308, 5e-324]) {
      expect(Number(copyNumber(value))).toBe(value);
    }
    expect(() => copyNumber(Number.NaN)).toThrow(UnstorableValueError);
    expect(() => copyNumber(Number.POSITIVE_INFINITY)).toThrow(UnstorableValueError);
  });
});
