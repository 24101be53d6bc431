import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, SECRET_KEYS, secretRedactionPaths } from '../src/index.js';
import { captureLines } from './log-capture.js';

describe('secret redaction', () => {
  it('redacts credentials in headers, bodies and top-level fields', () => {
    const { destination, lines, raw } = captureLines();
    const logger = createLogger({ name: 'identity', level: 'info' }, destination);

    logger.info(
      {
        req: {
          method: 'POST',
          url: '/oauth2/token',
          headers: {
            authorization: 'Basic c2VjcmV0LWJhc2ljLWNyZWRz',
            cookie: 'session=secret-cookie-value',
            'x-api-key': 'pk_secret_api_key_value',
            'user-agent': 'curl/8',
          },
        },
        res: { headers: { 'set-cookie': ['session=secret-set-cookie'] } },
        body: {
          grant_type: 'client_credentials',
          client_id: 'app-123',
          client_secret: 'secret-client-secret',
        },
        password: 'secret-password',
        apiKey: 'secret-api-key',
        user: { email: 'dev@example.com', credentials: { token: 'secret-nested-token' } },
      },
      'request received',
    );

    const line = lines[0];
    expect(line).toMatchObject({
      req: {
        method: 'POST',
        url: '/oauth2/token',
        headers: {
          authorization: REDACTED,
          cookie: REDACTED,
          'x-api-key': REDACTED,
          'user-agent': 'curl/8',
        },
      },
      res: { headers: { 'set-cookie': REDACTED } },
      body: { grant_type: 'client_credentials', client_id: 'app-123', client_secret: REDACTED },
      password: REDACTED,
      apiKey: REDACTED,
      user: { email: 'dev@example.com', credentials: { token: REDACTED } },
    });
    expect(raw[0]).not.toMatch(/secret-|c2VjcmV0/);
  });

  it('covers every listed key at the top level and two levels down', () => {
    const { destination, lines } = captureLines();
    const logger = createLogger({ name: 'audit', level: 'info' }, destination);
    const values = Object.fromEntries(SECRET_KEYS.map((key) => [key, `leak-${key}`]));

    logger.info({ ...values, outer: { ...values, inner: { ...values } } }, 'all keys');

    const line = lines[0] as Record<string, Record<string, Record<string, unknown>>>;
    for (const key of SECRET_KEYS) {
      expect(line[key], key).toBe(REDACTED);
      expect(line.outer?.[key], `outer.${key}`).toBe(REDACTED);
      expect(line.outer?.inner?.[key], `outer.inner.${key}`).toBe(REDACTED);
    }
  });

  it('quotes keys that are not identifiers', () => {
    expect(secretRedactionPaths(['set-cookie', 'token'])).toEqual([
      '["set-cookie"]',
      '*["set-cookie"]',
      '*.*["set-cookie"]',
      'token',
      '*.token',
      '*.*.token',
    ]);
  });
});
