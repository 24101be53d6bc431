/**
 * Where a process' CPU time went per request, from a V8 CPU profile (`--cpu-prof`): the bench's
 * Node flags take one for either proxy (BENCH_GATEWAY_NODE_ARGS / BENCH_BARE_PROXY_NODE_ARGS with
 * `--cpu-prof --cpu-prof-dir=...`). Time is put in buckets a proxy's cost splits into: socket
 * writes (syscalls, which in a profile include time descheduled inside them), GC, module loading,
 * then our code by the outermost of our frames on the stack (everything it calls counts to it),
 * then the leaf's package or Node module.
 *
 *   node tools/bench/gateway/diagnostics/cpu-profile-summary.ts <file.cpuprofile> <requests served>
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const cpuProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface CpuProfileSummary {
  /** Sampled time not idle, per request, in µs. */
  busyMicrosPerRequest: number;
  rows: { bucket: string; microsPerRequest: number }[];
}

const SOCKET_WRITES = new Set(['writev', 'writeLatin1String', 'writeUtf8String', 'writeBuffer']);
const MODULE_LOADING =
  /^(wrapSafe|compileSourceTextModule|compileFunction|internalModuleStat|readFileUtf8|lstat)$/;
/** A built file of one of our apps or libraries: apps/<name>/dist/<feature>/... */
const OUR_CODE = /\/((?:apps|libs)\/[^/]+)\/(?:dist|src)\/([^/]+)/;

function bucketOf(stack: readonly { functionName: string; url: string }[]): string {
  const leaf = stack[0]!;
  if (leaf.functionName === '(idle)') return 'idle';
  if (leaf.functionName === '(garbage collector)') return 'garbage collector';
  if (SOCKET_WRITES.has(leaf.functionName)) return 'socket writes (syscalls)';
  if (MODULE_LOADING.test(leaf.functionName)) return 'module loading';
  for (let index = stack.length - 1; index >= 0; index -= 1) {
    const ours = OUR_CODE.exec(stack[index]!.url);
    if (ours) return `${ours[1]}: ${ours[2]!.replace(/\.[cm]?js$|\.ts$/, '')}`;
  }
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(leaf.url);
  if (dependency) return `dependency ${dependency[1]}`;
  if (leaf.url.startsWith('node:')) return `node:${leaf.url.slice(5).split('/')[0]}`;
  return `native ${leaf.functionName || '(anonymous)'}`;
}

export function summarizeCpuProfile(input: unknown, requests: number): CpuProfileSummary {
  if (!(requests > 0)) throw new RangeError('requests must be a positive number');
  const profile = cpuProfileSchema.parse(input);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  const bucketByNode = new Map<number, string>();
  const bucketFor = (id: number): string => {
    let bucket = bucketByNode.get(id);
    if (bucket === undefined) {
      const stack = [];
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        stack.push(nodes.get(at)!.callFrame);
      }
      bucket = bucketOf(stack);
      bucketByNode.set(id, bucket);
    }
    return bucket;
  };
  const micros = new Map<string, number>();
  // The time up to the next sample belongs to this one.
  profile.samples.forEach((id, index) => {
    const bucket = bucketFor(id);
    micros.set(bucket, (micros.get(bucket) ?? 0) + (profile.timeDeltas[index + 1] ?? 0));
  });
  let busy = 0;
  for (const [bucket, time] of micros) if (bucket !== 'idle') busy += time;
  return {
    busyMicrosPerRequest: busy / requests,
    rows: [...micros]
      .filter(([bucket]) => bucket !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([bucket, time]) => ({ bucket, microsPerRequest: time / requests })),
  };
}

if (import.meta.main) {
  const [file, requestsText] = process.argv.slice(2);
  if (!file || !requestsText) {
    console.error('usage: cpu-profile-summary.ts <file.cpuprofile> <requests served>');
    process.exit(2);
  }
  const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), Number(requestsText));
  console.log(`busy ${summary.busyMicrosPerRequest.toFixed(1)} µs/request`);
  for (const row of summary.rows.slice(0, 30)) {
    console.log(`${row.microsPerRequest.toFixed(1).padStart(8)} µs  ${row.bucket}`);
  }
}
