import { isIP } from 'node:net';
import { canonicalKeyHint, decodeBase64Key } from '@portcullis/crypto';
import { z } from 'zod';

/** A TCP port, with a default. */
export function portVar(defaultPort: number) {
  return z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(defaultPort);
}

/** A URL whose scheme is one of `protocols`. */
export function urlVar(defaultUrl: string | undefined, protocols: readonly string[]) {
  const schema = z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { error: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}` },
  );
  return defaultUrl === undefined ? schema : schema.default(defaultUrl);
}

/** A comma-separated list of host:port pairs. */
export function hostPortListVar(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((value) => value.split(',').map((part) => part.trim()))
    .refine((parts) => parts.length > 0 && parts.every((part) => /^[\w.-]+:\d{1,5}$/.test(part)), {
      error: 'must be a comma-separated list of host:port',
    });
}

/** `true`/`false`/`1`/`0`/`yes`/`no`. */
export function booleanVar(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');
}

/** A positive whole number (milliseconds, counts…). */
export function positiveIntVar(defaultValue: number) {
  return z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .positive('must be positive')
    .default(defaultValue);
}

export const logLevelVar = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'must be one of fatal, error, warn, info, debug, trace, silent',
  })
  .default('info');

/** A secret: required, at least `minLength` characters; never has a default outside development. */
export function secretVar(minLength: number, developmentDefault?: string) {
  const schema = z
    .string()
    .min(
      minLength,
      `must be at least ${minLength} characters (generate one with: openssl rand -base64 32)`,
    );
  return developmentDefault === undefined ? schema : schema.default(developmentDefault);
}

/** An IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  return (
    prefix === undefined ||
    (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
  );
}

/**
 * The proxies (addresses or CIDR ranges, comma-separated) whose `X-Forwarded-For` a service
 * believes: the portal forwards its visitors' addresses this way. Empty trusts nobody, and the
 * socket's address is what the audit trail records.
 */
export function trustedProxiesVar(defaultValue = '') {
  return z
    .string()
    .default(defaultValue)
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(isAddressOrRange), {
      error: 'must be comma-separated IP addresses or CIDR ranges',
    });
}

/**
 * A key given as base64 (or base64url) of `minBytes` random bytes or more (exactly `exactBytes`
 * when set), written exactly: stray characters or a broken ending stop start-up instead of
 * quietly turning into another key. The message says how to keep the key a lenient reading gave.
 */
export function base64KeyVar(
  variable: string,
  minBytes: number,
  options: { developmentDefault?: string; exactBytes?: boolean } = {},
) {
  const expected = `must be base64 of ${options.exactBytes ? 'exactly' : 'at least'} ${minBytes} random bytes (generate one with: openssl rand -base64 ${minBytes})`;
  const schema = z.string({ error: expected }).superRefine((value, context) => {
    const maxBytes = options.exactBytes ? minBytes : Infinity;
    if (decodeBase64Key(value, minBytes, maxBytes)) return;
    const lenient = Buffer.from(value, 'base64');
    const readable = lenient.length >= minBytes && lenient.length <= maxBytes;
    context.addIssue({
      code: 'custom',
      message: readable
        ? `${expected}, written exactly: this one has characters outside base64 or a broken ending; ${canonicalKeyHint(variable)}`
        : expected,
    });
  });
  return options.developmentDefault === undefined
    ? schema
    : schema.default(options.developmentDefault);
}

/**
 * Earlier keys kept while they are rotated out: comma-separated, each like base64KeyVar's
 * (`minBytes` or more, exactly `exactBytes` when set, written exactly); empty by default.
 */
export function base64KeyListVar(minBytes: number, options: { exactBytes?: boolean } = {}) {
  const maxBytes = options.exactBytes ? minBytes : Infinity;
  return z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean),
    )
    .refine((keys) => keys.every((key) => decodeBase64Key(key, minBytes, maxBytes) !== null), {
      error: `must be comma-separated keys, each base64 of ${options.exactBytes ? 'exactly' : 'at least'} ${minBytes} bytes written exactly`,
    });
}
