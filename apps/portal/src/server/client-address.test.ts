import { afterEach, describe, expect, it } from 'vitest';
import { clientAddressFrom, visitorHeaders } from './client-address';
import { drawPeerAddressHeader, socketPeerAddress } from './peer-address';

const headersOf = (values: Record<string, string>) => ({
  get: (name: string) => values[name] ?? null,
});

describe('clientAddressFrom', () => {
  it('trusts nothing without a trusted proxy', () => {
    expect(clientAddressFrom('203.0.113.7', 0)).toBeNull();
  });

  it('takes the entry the outermost trusted proxy appended', () => {
    // A visitor's own made-up entry comes first; the proxy appends what it saw.
    expect(clientAddressFrom('10.9.9.9, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddressFrom('10.9.9.9, 203.0.113.7, 10.0.0.2', 2)).toBe('203.0.113.7');
    expect(clientAddressFrom('2001:db8::5', 1)).toBe('2001:db8::5');
    expect(clientAddressFrom('[2001:db8::5]', 1)).toBe('2001:db8::5');
  });

  it('gives up on too few entries and on anything that is not an address', () => {
    expect(clientAddressFrom('203.0.113.7', 2)).toBeNull();
    expect(clientAddressFrom(null, 1)).toBeNull();
    expect(clientAddressFrom('unknown', 1)).toBeNull();
    expect(clientAddressFrom('203.0.113.7:4711', 1)).toBeNull();
  });
});

describe('visitorHeaders', () => {
  it('passes the browser on, and its address only when a proxy vouches for it', () => {
    const incoming = headersOf({
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0',
      'x-forwarded-for': '203.0.113.7',
    });
    expect(visitorHeaders(incoming, 0)).toEqual({
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0',
    });
    expect(visitorHeaders(incoming, 1)).toEqual({
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0',
      'x-forwarded-for': '203.0.113.7',
    });
    expect(
      visitorHeaders(headersOf({ 'user-agent': 'x'.repeat(2000) }), 0)['user-agent'],
    ).toHaveLength(512);
    expect(visitorHeaders(headersOf({}), 1)).toEqual({});
  });
});

describe('visitorHeaders with the portal server recording connections', () => {
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[
      Symbol.for('portcullis.portal.peerAddressHeader')
    ];
  });

  it('passes the connection address with no proxy in front, never a client-sent one', () => {
    const header = drawPeerAddressHeader();
    expect(header).toMatch(/^x-portcullis-peer-[0-9a-f]{32}$/);
    expect(drawPeerAddressHeader()).not.toBe(header);
    const current = drawPeerAddressHeader();
    const incoming = headersOf({
      'user-agent': 'Firefox',
      'x-forwarded-for': '198.51.100.1',
      [current]: '2001:db8::7',
    });
    expect(visitorHeaders(incoming, 0)).toEqual({
      'user-agent': 'Firefox',
      'x-forwarded-for': '2001:db8::7',
    });
    // Behind a proxy its X-Forwarded-For counts; the connection is the proxy's own.
    expect(visitorHeaders(incoming, 1)['x-forwarded-for']).toBe('198.51.100.1');
    // A header under an earlier name (or any other) is nobody's word.
    expect(visitorHeaders(headersOf({ [header]: '203.0.113.9' }), 0)).toEqual({});
    expect(visitorHeaders(headersOf({ [current]: 'not an address' }), 0)).toEqual({});
  });

  it('records socket addresses as identity does', () => {
    expect(socketPeerAddress('::ffff:192.0.2.4')).toBe('192.0.2.4');
    expect(socketPeerAddress('::1')).toBe('::1');
    expect(socketPeerAddress(undefined)).toBeNull();
    expect(socketPeerAddress('')).toBeNull();
  });
});
