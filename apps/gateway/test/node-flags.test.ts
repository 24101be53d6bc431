import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// start.sh, `npm start`, the benchmark and the e2e tests all read this one file.
const flags = readFileSync(resolve(import.meta.dirname, '../node-flags.txt'), 'utf8')
  .split(/\s+/)
  .filter(Boolean);

describe('the gateway start flags (node-flags.txt)', () => {
  it('holds only options', () => {
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(flag).toMatch(/^--[a-z0-9-]+(=\S+)?$/);
  });

  it('are all options this Node accepts (a misspelt V8 flag stops node from starting)', () => {
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const misspelt = spawnSync(
      process.execPath,
      ['--no-paralel-scavenge', '-e', 'process.exit(0)'],
      {
        encoding: 'utf8',
      },
    );
    expect(misspelt.status).not.toBe(0);
  });
});
