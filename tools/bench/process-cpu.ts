import { readFileSync } from 'node:fs';

/**
 * utime + stime of a process (all its threads) in ms, from /proc (Linux); null elsewhere. CPU
 * time per request is the steadier number on a shared machine: unlike throughput, it barely
 * depends on how much of the cores other processes leave.
 */
export function processCpuMs(pid: number | undefined): number | null {
  return pid === undefined ? null : cpuMsFrom(`/proc/${pid}/stat`);
}

/**
 * The same for a process's main thread alone (for Node, the event loop): the one that limits a
 * single-process server's throughput, without V8's helper threads or worker threads.
 */
export function mainThreadCpuMs(pid: number | undefined): number | null {
  return pid === undefined ? null : cpuMsFrom(`/proc/${pid}/task/${pid}/stat`);
}

function cpuMsFrom(statFile: string): number | null {
  try {
    const stat = readFileSync(statFile, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksPerSecond = 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}
