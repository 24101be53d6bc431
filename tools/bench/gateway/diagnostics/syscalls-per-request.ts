/**
 * Reads and writes per request, and bytes moved, of a held target's process (all its threads,
 * sockets included) from `/proc/<pid>/io`, over a fixed-rate run. Linux only.
 *
 *   node tools/bench/gateway/diagnostics/syscalls-per-request.ts [targets=bare,portcullis] [rate=2000]
 */
import { readFileSync } from 'node:fs';
import { constantRate } from '../constant-rate.ts';
import { heldTarget } from '../held-targets.ts';

export interface ProcIo {
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

export function parseProcIo(text: string): ProcIo {
  const fields = new Map(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const [name, value] = line.split(':');
        return [name!.trim(), Number(value)] as const;
      }),
  );
  const field = (name: keyof ProcIo): number => {
    const value = fields.get(name);
    if (value === undefined || !Number.isFinite(value)) throw new Error(`no ${name} in /proc io`);
    return value;
  };
  return {
    syscr: field('syscr'),
    syscw: field('syscw'),
    rchar: field('rchar'),
    wchar: field('wchar'),
  };
}

export function perRequest(before: ProcIo, after: ProcIo, requests: number): ProcIo {
  if (!(requests > 0)) throw new RangeError('requests must be a positive number');
  const each = (name: keyof ProcIo) => (after[name] - before[name]) / requests;
  return { syscr: each('syscr'), syscw: each('syscw'), rchar: each('rchar'), wchar: each('wchar') };
}

if (import.meta.main) {
  const [keys = 'bare,portcullis', rateText = '2000'] = process.argv.slice(2);
  for (const key of keys.split(',')) {
    const target = heldTarget(key);
    if (!target.pid) throw new Error(`${key} has no process of its own to read`);
    const io = () => parseProcIo(readFileSync(`/proc/${target.pid}/io`, 'utf8'));
    const before = io();
    const measured = await constantRate({
      url: target.url,
      headers: target.headers,
      rate: Number(rateText),
      durationSeconds: 5,
      warmupSeconds: 1,
      connections: 64,
    });
    const each = perRequest(before, io(), measured.total + (measured.warmupTotal ?? 0));
    console.log(
      `${key}: ${each.syscr.toFixed(2)} reads, ${each.syscw.toFixed(2)} writes, ` +
        `${Math.round(each.rchar)} bytes in, ${Math.round(each.wchar)} bytes out per request ` +
        `(p99 ${measured.p99} ms)`,
    );
  }
}
