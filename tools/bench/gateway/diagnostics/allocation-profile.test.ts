import { describe, expect, it } from 'vitest';
import { summarizeAllocations } from './allocation-profile.ts';

const node = (functionName: string, url: string, selfSize: number, children: unknown[] = []) => ({
  callFrame: { functionName, url, lineNumber: 9 },
  selfSize,
  children,
});

const profile = {
  head: node('(root)', '', 0, [
    node('run', 'file:///w/apps/gateway/dist/proxy/proxy.js', 1000, [
      node('writeH1', 'file:///w/node_modules/undici/lib/dispatcher/client-h1.js', 3000),
    ]),
    node('record', 'file:///w/apps/gateway/dist/access-log/access-event-recorder.js', 2000, [
      node('writeH1', 'file:///w/node_modules/undici/lib/dispatcher/client-h1.js', 500),
    ]),
  ]),
};

describe('summarizeAllocations', () => {
  it('adds up bytes per request by allocating frame', () => {
    const summary = summarizeAllocations(profile, 10);
    expect(summary.bytesPerRequest).toBe(650);
    expect(summary.rows[0]).toEqual({
      site: 'writeH1 undici/lib/dispatcher/client-h1.js:10',
      bytesPerRequest: 350,
    });
    expect(summary.rows.map((r) => r.site)).toContain(
      'record apps/gateway/dist/access-log/access-event-recorder.js:10',
    );
  });

  it('splits a site by its callers when asked for a deeper stack', () => {
    const sites = summarizeAllocations(profile, 10, 2).rows.map((r) => r.site);
    expect(sites).toContain(
      'writeH1 undici/lib/dispatcher/client-h1.js:10 < run apps/gateway/dist/proxy/proxy.js:10',
    );
    expect(sites).toContain(
      'writeH1 undici/lib/dispatcher/client-h1.js:10 < record apps/gateway/dist/access-log/access-event-recorder.js:10',
    );
  });

  it('refuses what is not a sampling heap profile', () => {
    expect(() => summarizeAllocations({ head: { selfSize: 1 } }, 10)).toThrow();
    expect(() => summarizeAllocations(profile, -1)).toThrow(RangeError);
  });
});
