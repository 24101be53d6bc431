import { describe, expect, it } from 'vitest';
import { summarizeCpuProfile } from './cpu-profile-summary.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

// (root) → listener (gateway-server) → handle (pipeline) → writev
//                                    → stringify (kafka lib, under the gateway's frame)
// (root) → (idle); (root) → (garbage collector); (root) → parse (undici)
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 6, 7, 8] },
    {
      id: 2,
      callFrame: frame('listener', 'file:///w/apps/gateway/dist/gateway-server.js'),
      children: [3, 5],
    },
    {
      id: 3,
      callFrame: frame('handle', 'file:///w/apps/gateway/dist/pipeline/gateway-pipeline.js'),
      children: [4],
    },
    { id: 4, callFrame: frame('writev') },
    { id: 5, callFrame: frame('toSpoolRecord', 'file:///w/libs/kafka/dist/event-producer.js') },
    { id: 6, callFrame: frame('(idle)') },
    { id: 7, callFrame: frame('(garbage collector)') },
    { id: 8, callFrame: frame('parse', 'file:///w/node_modules/undici/lib/core/util.js') },
  ],
  // Each sample owns the time up to the next one.
  samples: [4, 5, 3, 6, 7, 8, 6],
  timeDeltas: [0, 40, 10, 20, 1000, 30, 50],
};

describe('summarizeCpuProfile', () => {
  it('puts time in buckets per request, leaving idle out of busy', () => {
    const summary = summarizeCpuProfile(profile, 10);
    const row = (bucket: string) => summary.rows.find((r) => r.bucket === bucket)?.microsPerRequest;
    expect(row('socket writes (syscalls)')).toBe(4);
    // The outermost of our frames wins: the pipeline's and the kafka library's time counts to the
    // gateway server that called them.
    expect(row('apps/gateway: gateway-server')).toBe(3);
    expect(row('garbage collector')).toBe(3);
    expect(row('dependency undici')).toBe(5);
    expect(row('libs/kafka: event-producer')).toBeUndefined();
    expect(row('apps/gateway: pipeline')).toBeUndefined();
    expect(summary.rows.some((r) => r.bucket === 'idle')).toBe(false);
    expect(summary.busyMicrosPerRequest).toBe(4 + 3 + 3 + 5);
    expect(summary.rows[0]!.bucket).toBe('dependency undici');
  });

  it('refuses a request count that is not positive, and a file that is not a CPU profile', () => {
    expect(() => summarizeCpuProfile(profile, 0)).toThrow(RangeError);
    expect(() => summarizeCpuProfile({ nodes: [] }, 10)).toThrow();
  });
});
