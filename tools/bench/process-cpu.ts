import { readFileSync } from 'node:fs';

/**
 * utime + stime of a process (all its threads) in ms, from /proc (Linux); null elsewhere. CPU
 * time per request is the steadier number on a shared machine: unlike throughput, it barely
 * depends on how much of the cores other processes leave.
 */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksPerSecond = 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}
