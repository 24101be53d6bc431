/** Replaces a secret's value in log lines; the key stays, so a reader sees that one was present. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are credentials wherever they appear. Pino matches keys exactly (case
 * included), so common spellings are listed one by one. Node lowercases incoming header names.
 */
export const SECRET_KEYS: readonly string[] = [
  // HTTP headers
  'authorization',
  'Authorization',
  'proxy-authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'Set-Cookie',
  'x-api-key',
  'X-API-Key',
  // passwords
  'password',
  'passwd',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'password_hash',
  // OAuth2 and friends
  'secret',
  'clientSecret',
  'client_secret',
  'client_assertion',
  'clientAssertion',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'sessionToken',
  'session_token',
  // keys
  'apiKey',
  'api_key',
  'privateKey',
  'private_key',
  'secretHash',
  'totpSecret',
  // connection strings embed passwords
  'connectionString',
  'databaseUrl',
];

/**
 * Pino redaction paths for every secret key at the top level of a log object and up to two levels
 * down (`req.headers.authorization`, `body.client.secret`). Pino's `*` matches exactly one level,
 * so anything deeper is not covered: log chosen fields, not whole request objects.
 */
export function secretRedactionPaths(keys: readonly string[] = SECRET_KEYS): string[] {
  return keys.flatMap((key) => {
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    const joiner = segment.startsWith('[') ? '' : '.';
    return [segment, `*${joiner}${segment}`, `*.*${joiner}${segment}`];
  });
}
