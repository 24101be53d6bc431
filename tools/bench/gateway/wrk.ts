/**
 * Peak load with wrk (Debian package `wrk`), when it is installed: a closed loop like autocannon's,
 * written in C. The load tool shares the machine's cores with what it measures, and wrk takes
 * less of them per request than autocannon's Node event loop (about 20 against 36 µs here).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load-result.ts';

const REPORT_PREFIX = 'WRK_JSON ';

/** Prints one JSON line wrk's summary can be read from (its normal output is for people). */
const REPORT_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${REPORT_PREFIX}{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

let scriptFile: string | undefined;

function writeReportScript(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-wrk-')), 'report.lua');
  writeFileSync(file, REPORT_SCRIPT);
  return file;
}

/** The wrk binary, or null when it is not installed. */
export function findWrk(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
  return found || null;
}

export async function wrk(options: {
  binary: string;
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
}): Promise<LoadResult> {
  scriptFile ??= writeReportScript();
  const args = [
    '--threads',
    '1',
    '--connections',
    String(options.connections),
    '--duration',
    `${options.durationSeconds}s`,
    '--timeout',
    '10s',
    '--script',
    scriptFile,
    ...Object.entries(options.headers).flatMap(([name, value]) => [
      '--header',
      `${name}: ${value}`,
    ]),
    options.url,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`wrk exited with ${code}: ${stderr || stdout}`));
    });
  });
  const line = output.split('\n').find((candidate) => candidate.startsWith(REPORT_PREFIX));
  if (!line) throw new Error(`wrk printed no report:\n${output}`);
  const report = JSON.parse(line.slice(REPORT_PREFIX.length)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    errors: number;
    non2xx: number;
  };
  return {
    rps: Math.round(report.requests / (report.durationUs / 1e6)),
    p50: Math.round(report.p50Us / 100) / 10,
    p99: Math.round(report.p99Us / 100) / 10,
    errors: report.errors,
    non2xx: report.non2xx,
    total: report.requests,
  };
}
