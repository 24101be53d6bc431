import fc from 'fast-check';

/** The part of JSON Schema the services' OpenAPI documents use (zod's and Nest's output). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
}

/** What a generated body is: valid by construction, or broken in one way a validator must catch. */
export type Mutation =
  | 'none'
  | 'wrong type'
  | 'unknown property'
  | 'missing required'
  | 'too long'
  | 'not in enum'
  | 'arbitrary JSON'
  | 'not JSON';

export interface FuzzedBody {
  mutation: Mutation;
  /** The property the mutation touched, if any. */
  field?: string;
  /** JSON-serialisable value, or the raw text for 'not JSON'. */
  value: unknown;
}

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    "'; DROP TABLE identity.users; --",
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00%2e%2e',
    '\uD800',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    '{"$ne":null}',
    '9'.repeat(400),
  ),
);

/** Values that are valid for `schema` (best effort: formats and patterns are honoured). */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return fc.oneof(...variants.map(validValue));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((date) => date.toISOString());
      }
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'email')
        return fc.stringMatching(/^[a-z]{3,10}$/).map((local) => `${local}@example.test`);
      if (schema.format === 'uri' || schema.format === 'url')
        return fc.constant('https://example.test/hook');
      const maxLength = Math.min(schema.maxLength ?? 30, 30);
      const minLength = Math.min(schema.minLength ?? 0, maxLength);
      if (schema.pattern) {
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((text) => text.length >= minLength && text.length <= (schema.maxLength ?? 1e9));
      }
      return fc.string({
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '),
        minLength: Math.max(minLength, 1),
        maxLength,
      });
    }
    case 'integer':
      return fc.integer({
        min: Math.ceil(schema.minimum ?? 0),
        max: Math.floor(schema.maximum ?? Math.max((schema.minimum ?? 0) + 100, 100)),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? 0,
        max: schema.maximum ?? 1000,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items ? validValue(schema.items) : fc.string(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      return fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([name, property]) => [name, validValue(property)]),
        ),
        { requiredKeys: [...required].filter((name) => name in properties) },
      );
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** The one simple JSON type a property must have, when it has exactly one. */
function simpleType(schema: JsonSchema): string | undefined {
  if (schema.anyOf || schema.oneOf || schema.const !== undefined) return undefined;
  return typeof schema.type === 'string' ? schema.type : undefined;
}

const wrongValueFor: Record<string, fc.Arbitrary<unknown>> = {
  string: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant({ $ne: null })),
  integer: fc.oneof(fc.string({ minLength: 1 }), fc.constant(1.5), fc.constant([1])),
  number: fc.oneof(fc.string({ minLength: 1 }), fc.boolean(), fc.constant({})),
  boolean: fc.oneof(fc.constant('true'), fc.constant(1), fc.constant(null)),
  array: fc.oneof(fc.string(), fc.constant({ 0: 'x' }), fc.constant(7)),
  object: fc.oneof(fc.string(), fc.constant([]), fc.constant(42)),
};

/**
 * Bodies for an operation: mostly valid objects broken in exactly one way a validator must
 * refuse (so a 2xx means invalid data was accepted), plus arbitrary JSON and non-JSON text.
 */
export function fuzzedBody(schema: JsonSchema | undefined): fc.Arbitrary<FuzzedBody> {
  const arbitrary = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((value) => ({ mutation: 'arbitrary JSON' as const, value })),
    hostileText.map((value) => ({ mutation: 'not JSON' as const, value })),
  );
  if (!schema || simpleType(schema) !== 'object' || !schema.properties) return arbitrary;
  const properties = schema.properties;
  const required = (schema.required ?? []).filter((name) => name in properties);
  const base = validValue(schema) as fc.Arbitrary<Record<string, unknown>>;
  const mutations: fc.Arbitrary<FuzzedBody>[] = [arbitrary];
  const typed = Object.entries(properties).filter(
    ([, property]) => (simpleType(property) ?? '') in wrongValueFor,
  );
  if (typed.length > 0) {
    mutations.push(
      fc.tuple(base, fc.constantFrom(...typed), fc.nat()).chain(([body, [name, property]]) =>
        wrongValueFor[simpleType(property)!]!.map((wrong) => ({
          mutation: 'wrong type' as const,
          field: name,
          value: { ...body, [name]: wrong },
        })),
      ),
    );
  }
  if (schema.additionalProperties === false) {
    mutations.push(
      fc
        .tuple(base, fc.constantFrom('isAdmin', 'role', '__proto__x', 'id', 'createdAt', 'zz'))
        .filter(([, name]) => !(name in properties))
        .map(([body, name]) => ({
          mutation: 'unknown property' as const,
          field: name,
          value: { ...body, [name]: true },
        })),
    );
  }
  if (required.length > 0) {
    mutations.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([body, name]) => {
        const { [name]: _dropped, ...rest } = body;
        return { mutation: 'missing required' as const, field: name, value: rest };
      }),
    );
  }
  const bounded = Object.entries(properties).filter(
    ([, property]) => simpleType(property) === 'string' && property.maxLength !== undefined,
  );
  if (bounded.length > 0) {
    mutations.push(
      fc.tuple(base, fc.constantFrom(...bounded)).map(([body, [name, property]]) => ({
        mutation: 'too long' as const,
        field: name,
        value: { ...body, [name]: 'x'.repeat(property.maxLength! + 50) },
      })),
    );
  }
  const enums = Object.entries(properties).filter(([, property]) => property.enum);
  if (enums.length > 0) {
    mutations.push(
      fc.tuple(base, fc.constantFrom(...enums)).map(([body, [name]]) => ({
        mutation: 'not in enum' as const,
        field: name,
        value: { ...body, [name]: 'definitely-not-an-option' },
      })),
    );
  }
  mutations.push(base.map((value) => ({ mutation: 'none' as const, value })));
  return fc.oneof(...mutations);
}

/**
 * Percent-encodes like encodeURIComponent, except that a lone surrogate (which that throws on)
 * becomes the bytes a careless encoder would write for it (ED A0 80): invalid UTF-8 on the wire.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Query strings with every documented parameter set to something hostile, or left out. */
export function fuzzedQuery(names: string[]): fc.Arbitrary<string> {
  if (names.length === 0) return hostileText.map((text) => `?${percentEncode(text)}=1`);
  const value = fc.oneof(
    hostileText,
    fc.integer().map(String),
    fc.constantFrom('-1', '1e309', '99999999999999999999', 'NaN', '[]', 'true', '2024-13-45T99:99'),
  );
  return fc
    .array(fc.tuple(fc.constantFrom(...names), value), { minLength: 1, maxLength: 4 })
    .map((pairs) => `?${pairs.map(([name, text]) => `${name}=${percentEncode(text)}`).join('&')}`);
}
