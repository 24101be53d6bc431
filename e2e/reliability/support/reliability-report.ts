import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const ROOT = resolve(import.meta.dirname, '../../..');
/** Findings of the current run; reset by the global setup, folded into REPORT.md at teardown. */
export const FINDINGS_PATH = resolve(ROOT, '.var/reliability/findings.jsonl');
/** The committed report: written only by a run of the whole suite (`npm test`). */
export const REPORT_PATH = resolve(ROOT, 'e2e/reliability/REPORT.md');
/**
 * Where a run of part of the suite writes its report instead: a few tests' findings would replace
 * the whole suite's in the committed file.
 */
export const PARTIAL_REPORT_PATH = resolve(ROOT, '.var/reliability/REPORT.md');

const findingSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fault'),
    /** What was broken, e.g. "Kafka broker stopped under load". */
    name: z.string(),
    survived: z.boolean(),
    /** What was checked afterwards, with the numbers. */
    detail: z.string(),
  }),
  z.object({
    kind: z.literal('hostile'),
    /** The family of input, e.g. "JWT: alg none". */
    name: z.string(),
    inputsTried: z.number().int().nonnegative(),
    /** How many of them got past the guard (a request at the upstream, a 500, a stored bad row). */
    gotThrough: z.number().int().nonnegative(),
    detail: z.string(),
  }),
  z.object({
    kind: z.literal('load'),
    name: z.string(),
    requestsSent: z.number().int().nonnegative(),
    eventsStored: z.number().int().nonnegative(),
    detail: z.string(),
  }),
]);
export type ReliabilityFinding = z.infer<typeof findingSchema>;

/** Called by reliability tests once they know the outcome (also when it is bad: the report shows it). */
export function recordFinding(finding: ReliabilityFinding): void {
  mkdirSync(dirname(FINDINGS_PATH), { recursive: true });
  appendFileSync(FINDINGS_PATH, `${JSON.stringify(findingSchema.parse(finding))}\n`);
}

export function resetFindings(): void {
  rmSync(FINDINGS_PATH, { force: true });
}

function readFindings(path: string): ReliabilityFinding[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => findingSchema.parse(JSON.parse(line)));
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderReport(findings: ReliabilityFinding[], generatedAt = new Date()): string {
  const faults = findings.filter((f) => f.kind === 'fault');
  const hostile = findings.filter((f) => f.kind === 'hostile');
  const load = findings.filter((f) => f.kind === 'load');
  const lines = [
    '# Reliability and security report',
    '',
    `Written by the reliability suite (\`e2e/reliability\`) on ${generatedAt.toISOString()}.`,
    'Reproduce: `npm test` (the whole suite, which alone rewrites this file), or only this part',
    'after a build: `npx nx run-many -t build && npx vitest run e2e/reliability` (its report goes',
    'to `.var/reliability/REPORT.md`).',
    '',
    `- Faults survived: **${faults.filter((f) => f.survived).length} of ${faults.length}**`,
    `- Hostile inputs tried: **${hostile.reduce((n, f) => n + f.inputsTried, 0)}**, got through: **${hostile.reduce((n, f) => n + f.gotThrough, 0)}**`,
    ...load.map(
      (f) =>
        `- ${f.name}: **${f.requestsSent}** requests sent, **${f.eventsStored}** events stored`,
    ),
    '',
  ];
  if (faults.length > 0) {
    lines.push('## Faults', '', '| fault | survived | checked |', '| --- | --- | --- |');
    for (const f of faults)
      lines.push(`| ${cell(f.name)} | ${f.survived ? 'yes' : '**no**'} | ${cell(f.detail)} |`);
    lines.push('');
  }
  if (hostile.length > 0) {
    lines.push(
      '## Hostile input',
      '',
      '| input | tried | got through | notes |',
      '| --- | ---: | ---: | --- |',
    );
    for (const f of hostile)
      lines.push(`| ${cell(f.name)} | ${f.inputsTried} | ${f.gotThrough} | ${cell(f.detail)} |`);
    lines.push('');
  }
  if (load.length > 0) {
    lines.push(
      '## Load',
      '',
      '| run | requests sent | events stored | notes |',
      '| --- | ---: | ---: | --- |',
    );
    for (const f of load)
      lines.push(`| ${cell(f.name)} | ${f.requestsSent} | ${f.eventsStored} | ${cell(f.detail)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Writes the report when this run recorded findings (a run without reliability tests writes
 * nothing): to REPORT_PATH for the whole suite, else to PARTIAL_REPORT_PATH. Returns the path.
 */
export function writeReportIfAny(
  wholeSuite: boolean,
  paths = { findings: FINDINGS_PATH, whole: REPORT_PATH, partial: PARTIAL_REPORT_PATH },
): string | undefined {
  const findings = readFindings(paths.findings);
  if (findings.length === 0) return undefined;
  const path = wholeSuite ? paths.whole : paths.partial;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderReport(findings));
  return path;
}
