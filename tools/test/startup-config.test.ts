import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

interface ExitResult {
  code: number;
  stderr: string;
}

/** Starts a built service with a broken environment; it must refuse to start and say why. */
async function startWith(app: string, env: Record<string, string>): Promise<ExitResult> {
  const main = resolve(root, `apps/${app}/dist/main.js`);
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npm test does)`);
  try {
    await run(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 20_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    return { code: failure.code ?? -1, stderr: failure.stderr ?? '' };
  }
}

describe.each(['identity', 'gateway', 'audit'])('%s start-up configuration', (app) => {
  const portVariable = `${app.toUpperCase()}_PORT`;

  it('stops with a message naming a malformed variable', async () => {
    const result = await startWith(app, { [portVariable]: 'eighty' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(portVariable);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('names every bad variable at once', async () => {
    const result = await startWith(app, { KAFKA_BROKERS: 'not a broker list', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('KAFKA_BROKERS');
    expect(result.stderr).toContain('LOG_LEVEL');
  });
});

describe('identity in production', () => {
  it('refuses the development secrets', async () => {
    const result = await startWith('identity', { NODE_ENV: 'production' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('IDENTITY_MASTER_KEY');
    expect(result.stderr).toContain('CREDENTIAL_HASH_KEY');
  });
});
