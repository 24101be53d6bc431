import { z } from 'zod';

/** Start-up stops with this error; its message names every bad variable and what it expects. */
export class ConfigError extends Error {
  readonly issues: readonly { variable: string; problem: string }[];

  constructor(issues: readonly { variable: string; problem: string }[]) {
    super(
      `Invalid configuration:\n${issues.map((issue) => `  - ${issue.variable}: ${issue.problem}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Validates environment variables against a schema whose keys are variable names. Values are never
 * echoed back in errors: some variables hold secrets.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.output<z.ZodObject<Shape>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    // An empty variable means "not set", so `FOO=` falls back to the default.
    input[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(unknown)'),
        problem: issue.message,
      })),
    );
  }
  return result.data;
}

/**
 * Runs `load` for a process's entry point: a ConfigError is printed to stderr under `name` and
 * ends the process with 78 (EX_CONFIG), so a misconfiguration never shows as a stack trace.
 */
export function loadConfigOrExit<Config>(name: string, load: () => Config): Config {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${name}: ${error.message}`);
    process.exit(78);
  }
}
