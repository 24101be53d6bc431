import { describe, expect, it } from 'vitest';
import { configuredPortalOrigin, portalOrigin } from './portal-origin';

const headers = (values: Record<string, string>) => ({
  get: (name: string) => values[name.toLowerCase()] ?? null,
});

describe('portalOrigin', () => {
  it('uses the Host header, keeping the port', () => {
    expect(portalOrigin(headers({ host: '127.0.0.1:3000' }))).toBe('http://127.0.0.1:3000');
    expect(portalOrigin(headers({ host: '[::1]:3000' }))).toBe('http://[::1]:3000');
  });

  it('prefers the nearest proxy’s forwarded host and protocol', () => {
    expect(
      portalOrigin(
        headers({
          host: '10.0.0.5:3000',
          'x-forwarded-host': 'portal.example.com, internal',
          'x-forwarded-proto': 'https, http',
        }),
      ),
    ).toBe('https://portal.example.com');
  });

  it('gives null for a missing or odd host', () => {
    expect(portalOrigin(headers({}))).toBeNull();
    expect(portalOrigin(headers({ host: 'evil.example/path' }))).toBeNull();
    expect(portalOrigin(headers({ host: 'user@evil.example' }))).toBeNull();
  });

  it('ignores a protocol other than http or https', () => {
    expect(portalOrigin(headers({ host: 'a.example', 'x-forwarded-proto': 'javascript' }))).toBe(
      'http://a.example',
    );
  });
});

describe('configuredPortalOrigin', () => {
  it('takes the origin of PUBLIC_PORTAL_URL, and nothing from what is no web URL', () => {
    expect(configuredPortalOrigin(' https://portal.example.com/some/path ')).toBe(
      'https://portal.example.com',
    );
    expect(configuredPortalOrigin(undefined)).toBeNull();
    expect(configuredPortalOrigin('')).toBeNull();
    expect(configuredPortalOrigin('portal.example.com')).toBeNull();
    expect(configuredPortalOrigin('javascript:alert(1)')).toBeNull();
  });
});
