import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { heldTarget } from './held-targets.ts';

const file = join(mkdtempSync(join(tmpdir(), 'held-targets-')), 'targets.json');

describe('heldTarget', () => {
  beforeEach(() => {
    writeFileSync(
      file,
      JSON.stringify([
        { key: 'direct', name: 'direct', url: 'http://127.0.0.1:1/items/1', headers: {}, pid: 10 },
        {
          key: 'portcullis',
          name: 'Portcullis',
          url: 'http://127.0.0.1:2/bench/items/1',
          headers: { authorization: 'Bearer x' },
          pid: 11,
        },
      ]),
    );
  });

  it('finds a target by key in what BENCH_HOLD wrote', () => {
    expect(heldTarget('portcullis', file)).toMatchObject({
      pid: 11,
      headers: { authorization: 'Bearer x' },
    });
  });

  it('names the keys there when the one asked for is missing', () => {
    expect(() => heldTarget('variant', file)).toThrow(/there: direct, portcullis/);
  });

  it('says how to start the targets when there is no file', () => {
    expect(() => heldTarget('direct', join(tmpdir(), 'no-such-dir', 'targets.json'))).toThrow(
      /BENCH_HOLD=1/,
    );
  });

  it('refuses a file of the wrong shape', () => {
    writeFileSync(file, JSON.stringify([{ key: 'direct', url: 'not a url' }]));
    expect(() => heldTarget('direct', file)).toThrow();
  });
});
