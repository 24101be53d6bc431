import { describe, expect, it } from 'vitest';
import {
  cookieName,
  cookieOptions,
  isLoopback,
  requestOrigin,
  SESSION_COOKIE,
} from './session-cookies';

function headers(values: Record<string, string>) {
  return { get: (name: string) => values[name] ?? null };
}

describe('cookieOptions', () => {
  it('is httpOnly, SameSite=Lax and Secure over HTTPS', () => {
    expect(cookieOptions({ protocol: 'https:', hostname: 'portal.example.com' }, 60)).toEqual({
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      path: '/',
      maxAge: 60,
    });
  });

  it('drops Secure only for plain HTTP on loopback', () => {
    expect(cookieOptions({ protocol: 'http:', hostname: '127.0.0.1' }).secure).toBe(false);
    expect(cookieOptions({ protocol: 'http:', hostname: 'localhost' }).secure).toBe(false);
    expect(cookieOptions({ protocol: 'http:', hostname: 'portal.example.com' }).secure).toBe(true);
    expect(cookieOptions({ protocol: 'https:', hostname: 'localhost' }).secure).toBe(true);
  });
});

describe('cookieName', () => {
  it('is a __Host- name wherever the cookie is Secure, the bare name on plain-HTTP loopback', () => {
    expect(cookieName(SESSION_COOKIE, { protocol: 'https:', hostname: 'portal.example.com' })).toBe(
      '__Host-pcl_session',
    );
    expect(cookieName('pcl_csrf', { protocol: 'http:', hostname: 'portal.example.com' })).toBe(
      '__Host-pcl_csrf',
    );
    expect(cookieName('pcl_mfa', { protocol: 'http:', hostname: '127.0.0.1' })).toBe('pcl_mfa');
  });
});

describe('isLoopback', () => {
  it('knows loopback names and addresses', () => {
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('127.example.com')).toBe(false);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
});

describe('requestOrigin', () => {
  it('prefers the forwarded protocol and host', () => {
    expect(
      requestOrigin(
        headers({
          host: '127.0.0.1:3000',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'portal.example.com',
        }),
      ),
    ).toEqual({ protocol: 'https:', hostname: 'portal.example.com' });
    expect(requestOrigin(headers({ host: '127.0.0.1:3000' }))).toEqual({
      protocol: 'http:',
      hostname: '127.0.0.1',
    });
  });
});
