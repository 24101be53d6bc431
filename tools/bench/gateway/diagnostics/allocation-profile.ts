/**
 * What one request allocates, garbage included, by allocating function: V8's sampling heap
 * profiler over the inspector, while a held target (`BENCH_HOLD=1 node tools/bench/gateway/run.ts`
 * with `--inspect=127.0.0.1:9230` among the gateway's Node flags) takes load at a fixed rate.
 *
 *   node tools/bench/gateway/diagnostics/allocation-profile.ts [target=portcullis] [rate=3000]
 *     [seconds=5] [stack depth=1] [inspector=http://127.0.0.1:9230]
 */
import { z } from 'zod';
import { constantRate } from '../constant-rate.ts';
import { heldTarget } from '../held-targets.ts';

interface SamplingHeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingHeapProfileNode[];
}
const nodeSchema: z.ZodType<SamplingHeapProfileNode> = z.lazy(() =>
  z.object({
    callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    selfSize: z.number(),
    children: z.array(nodeSchema),
  }),
);
const samplingHeapProfileSchema = z.object({ head: nodeSchema });

export interface AllocationSummary {
  bytesPerRequest: number;
  rows: { site: string; bytesPerRequest: number }[];
}

const frameName = (frame: SamplingHeapProfileNode['callFrame']): string => {
  const where = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/((?:apps|libs)\/)/, '$1');
  return `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
};

/** Bytes per request by allocation site: the allocating frame and up to `depth - 1` callers. */
export function summarizeAllocations(
  input: unknown,
  requests: number,
  depth = 1,
): AllocationSummary {
  if (!(requests > 0)) throw new RangeError('requests must be a positive number');
  const { head } = samplingHeapProfileSchema.parse(input);
  const bySite = new Map<string, number>();
  let total = 0;
  const visit = (node: SamplingHeapProfileNode, callers: string[]): void => {
    const stack = [frameName(node.callFrame), ...callers];
    if (node.selfSize > 0) {
      const site = stack.slice(0, Math.max(1, depth)).join(' < ');
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) visit(child, stack);
  };
  visit(head, []);
  return {
    bytesPerRequest: total / requests,
    rows: [...bySite]
      .sort((a, b) => b[1] - a[1])
      .map(([site, bytes]) => ({ site, bytesPerRequest: bytes / requests })),
  };
}

/** One inspector session: numbered commands, answers matched by id. */
async function inspectorSession(inspectorUrl: string) {
  const list = z
    .array(z.object({ webSocketDebuggerUrl: z.string() }))
    .parse(await (await fetch(`${inspectorUrl}/json/list`)).json());
  if (!list[0]) throw new Error(`no inspector target at ${inspectorUrl}`);
  const socket = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((open, failed) => {
    socket.addEventListener('open', open, { once: true });
    socket.addEventListener('error', failed, { once: true });
  });
  let lastId = 0;
  const answers = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (message) => {
    const { id, result } = JSON.parse(String(message.data)) as { id?: number; result?: unknown };
    if (id !== undefined) answers.get(id)?.(result);
  });
  return {
    call: (method: string, params: object = {}): Promise<unknown> =>
      new Promise((answered) => {
        lastId += 1;
        answers.set(lastId, answered);
        socket.send(JSON.stringify({ id: lastId, method, params }));
      }),
    close: () => socket.close(),
  };
}

if (import.meta.main) {
  const [key = 'portcullis', rateText = '3000', secondsText = '5', depthText = '1'] =
    process.argv.slice(2);
  const inspectorUrl = process.argv[6] ?? 'http://127.0.0.1:9230';
  const target = heldTarget(key);
  const load = {
    url: target.url,
    headers: target.headers,
    rate: Number(rateText),
    connections: 64,
  };
  const session = await inspectorSession(inspectorUrl);
  await constantRate({ ...load, durationSeconds: 2, warmupSeconds: 1 }); // warm, not profiled
  await session.call('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const measured = await constantRate({
    ...load,
    durationSeconds: Number(secondsText),
    warmupSeconds: 0,
  });
  const { profile } = z
    .object({ profile: z.unknown() })
    .parse(await session.call('HeapProfiler.stopSampling'));
  session.close();
  const summary = summarizeAllocations(profile, measured.total, Number(depthText));
  console.log(`${measured.total} requests, ${Math.round(summary.bytesPerRequest)} bytes each`);
  for (const row of summary.rows.slice(0, 40)) {
    console.log(`${String(Math.round(row.bytesPerRequest)).padStart(7)}  ${row.site}`);
  }
}
