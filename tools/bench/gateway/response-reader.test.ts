import { describe, expect, it } from 'vitest';
import { ResponseReader } from './response-reader.ts';

const fixed = (status: number, body: string, extra = '') =>
  `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const chunked = (status: number, chunks: string[]) =>
  `HTTP/1.1 ${status} X\r\nTransfer-Encoding: chunked\r\n\r\n` +
  chunks.map((chunk) => `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`).join('') +
  '0\r\n\r\n';

/** Feeds `wire` in pieces of `size` bytes; returns every status in order. */
function readInPieces(wire: string, size: number): number[] {
  const reader = new ResponseReader();
  const bytes = Buffer.from(wire);
  const statuses: number[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    statuses.push(...reader.read(bytes.subarray(at, at + size)));
  }
  return statuses;
}

describe('ResponseReader', () => {
  const wire =
    fixed(200, '{"id":42}') +
    chunked(201, ['hello', ' ', 'world, a longer chunk']) +
    'HTTP/1.1 204 No Content\r\n\r\n' +
    fixed(429, '{"title":"Too Many Requests"}', 'Retry-After: 1\r\n') +
    chunked(502, []) +
    fixed(200, '');

  it('tells each response on a keep-alive connection, however the bytes are split', () => {
    for (const size of [1, 2, 3, 7, 16, 64, wire.length]) {
      expect(readInPieces(wire, size), `pieces of ${size}`).toEqual([200, 201, 204, 429, 502, 200]);
    }
  });

  it('reports nothing for a response that is not complete yet', () => {
    const reader = new ResponseReader();
    const response = Buffer.from(fixed(200, 'abcdef'));
    expect(reader.read(response.subarray(0, response.length - 1))).toEqual([]);
    expect(reader.read(response.subarray(response.length - 1))).toEqual([200]);
  });

  it('refuses what it cannot delimit rather than miscounting', () => {
    expect(() => new ResponseReader().read(Buffer.from('HTTP/1.1 200 OK\r\n\r\nbody'))).toThrow(
      /without a length/,
    );
    expect(() => new ResponseReader().read(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(
      /not an HTTP\/1.1 response/,
    );
  });
});
