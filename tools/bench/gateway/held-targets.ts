import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/** What `BENCH_HOLD=1 node tools/bench/gateway/run.ts` writes for measuring by hand. */
const heldTargetSchema = z.object({
  key: z.string(),
  name: z.string(),
  url: z.url(),
  headers: z.record(z.string(), z.string()),
  /** The serving process (absent for nginx, whose workers are separate processes). */
  pid: z.number().int().positive().optional(),
});
export type HeldTarget = z.infer<typeof heldTargetSchema>;

export const HELD_TARGETS_FILE = resolve(import.meta.dirname, '../../../.var/bench/targets.json');

export function heldTarget(key: string, file = HELD_TARGETS_FILE): HeldTarget {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(
      `no ${file}: start the targets first (BENCH_HOLD=1 node tools/bench/gateway/run.ts)`,
    );
  }
  const targets = z.array(heldTargetSchema).parse(JSON.parse(text));
  const target = targets.find((candidate) => candidate.key === key);
  if (!target) {
    throw new Error(
      `no target "${key}" in ${file} (there: ${targets.map((t) => t.key).join(', ')})`,
    );
  }
  return target;
}
