/**
 * Where the machine's cores go per request at a held target's peak: the serving process thread by
 * thread (Portcullis' event loop, its event producer thread, V8's helpers), the upstream, the Kafka
 * broker, Redis, and what stayed idle, from /proc around a wrk run. Linux only; needs wrk.
 *
 *   node tools/bench/gateway/diagnostics/cpu-budget.ts [targets=bare,portcullis] [seconds=8]
 *
 * It answers what per-process numbers cannot: whether the event loop is the limit (the machine
 * still idles) or the cores are (other processes, the broker among them, take what is left).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { heldTarget } from '../held-targets.ts';
import { findWrk, wrk } from '../wrk.ts';

const TICKS_PER_SECOND = 100;

/** utime + stime in µs from a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line. */
export function statCpuMicros(stat: string): number {
  // Fields after the parenthesised command name (which may hold spaces and parentheses).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc stat line');
  return ((utime + stime) * 1_000_000) / TICKS_PER_SECOND;
}

/** The whole machine's busy and idle time in µs from /proc/stat's first line. */
export function machineCpuMicros(procStat: string): { busy: number; idle: number } {
  const [label, ...values] = procStat.split('\n')[0]!.trim().split(/\s+/);
  if (label !== 'cpu') throw new Error('not /proc/stat');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const toMicros = (ticks: number) => (ticks * 1_000_000) / TICKS_PER_SECOND;
  return {
    busy: toMicros(user! + nice! + system! + irq! + softirq! + (steal ?? 0)),
    idle: toMicros(idle! + iowait!),
  };
}

export type CpuSnapshot = Record<string, number>;

/** Each entry's growth divided by the requests, largest first, dropping those under `floor`. */
export function perRequestBudget(
  before: CpuSnapshot,
  after: CpuSnapshot,
  requests: number,
  floor = 0.5,
): [string, number][] {
  if (!(requests > 0)) throw new RangeError('requests must be a positive number');
  return Object.entries(after)
    .map(([name, value]) => [name, (value - (before[name] ?? 0)) / requests] as [string, number])
    .filter(([, micros]) => micros >= floor)
    .sort((a, b) => b[1] - a[1]);
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function pidsOf(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

/** The serving process per thread (`name:tid`), the other processes whole, the machine. */
function snapshot(targetPid: number, others: Record<string, number>): CpuSnapshot {
  const cpu: CpuSnapshot = {};
  for (const tid of readdirSync(`/proc/${targetPid}/task`)) {
    const stat = read(`/proc/${targetPid}/task/${tid}/stat`);
    const comm = read(`/proc/${targetPid}/task/${tid}/comm`)?.trim() ?? '?';
    if (stat) cpu[`target ${comm}:${tid}`] = statCpuMicros(stat);
  }
  for (const [name, pid] of Object.entries(others)) {
    const stat = read(`/proc/${pid}/stat`);
    if (stat) cpu[name] = statCpuMicros(stat);
  }
  const machine = machineCpuMicros(readFileSync('/proc/stat', 'utf8'));
  cpu['machine busy'] = machine.busy;
  cpu['machine idle'] = machine.idle;
  return cpu;
}

if (import.meta.main) {
  const [keys = 'bare,portcullis', secondsText = '8'] = process.argv.slice(2);
  const binary = findWrk();
  if (!binary) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const others: Record<string, number> = {};
  const upstream = heldTarget('direct').pid;
  if (upstream) others.upstream = upstream;
  const kafka = pidsOf('kafka.Kafka')[0];
  if (kafka) others['kafka broker(s), first'] = kafka;
  const redis = pidsOf('redis-server')[0];
  if (redis) others.redis = redis;
  for (const key of keys.split(',')) {
    const target = heldTarget(key);
    if (!target.pid) throw new Error(`${key} has no process of its own to read`);
    const load = { binary, url: target.url, headers: target.headers, connections: 64 };
    await wrk({ ...load, durationSeconds: 2 });
    const before = snapshot(target.pid, others);
    const measured = await wrk({ ...load, durationSeconds: Number(secondsText) });
    const after = snapshot(target.pid, others);
    console.log(`${key}: ${Math.round(measured.rps)} req/s; CPU µs per request:`);
    for (const [name, micros] of perRequestBudget(before, after, measured.total)) {
      console.log(`  ${micros.toFixed(1).padStart(7)}  ${name}`);
    }
  }
}
