import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Accepts the gateway's self-signed certificate, as a local client would after pinning it. */
export const insecureAgent = new Agent({ connect: { rejectUnauthorized: false } });

export interface AppProcess {
  name: string;
  url: string;
  logPath: string;
  child: ChildProcess;
  /** The process's log so far (for failure messages). */
  log(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The V8 flags an app starts with everywhere (`apps/<app>/node-flags.txt`, the gateway's). */
export function nodeFlags(app: string): string[] {
  const file = resolve(ROOT, `apps/${app}/node-flags.txt`);
  return existsSync(file) ? readFileSync(file, 'utf8').split(/\s+/).filter(Boolean) : [];
}

/**
 * Starts a built app (`node <its node-flags.txt> apps/<app>/dist/main.js`) with its own environment, output captured
 * to .var/logs/e2e-<name>.log. Build first: `npx nx run-many -t build` (npm test does).
 */
export function startApp(
  app: string,
  name: string,
  env: Record<string, string>,
  url: string,
): AppProcess {
  const logDir = resolve(ROOT, '.var/logs');
  mkdirSync(logDir, { recursive: true });
  const logPath = resolve(logDir, `e2e-${name}.log`);
  const log = createWriteStream(logPath, { flags: 'w' });
  const child = spawn(
    process.execPath,
    [...nodeFlags(app), resolve(ROOT, `apps/${app}/dist/main.js`)],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    name,
    url,
    logPath,
    child,
    log: () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      log.end();
      return code;
    },
  };
}

export interface Readiness {
  status: string;
  checks: Record<string, { status: string; reason?: string }>;
}

/** Polls /readyz until `accept` says so (default: every check up). */
export async function waitForReady(
  app: AppProcess,
  accept: (readiness: Readiness) => boolean = (readiness) => readiness.status === 'ready',
  timeoutMs = 60_000,
): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let last: Readiness | string = 'no answer';
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) {
      throw new Error(`${app.name} exited with ${app.child.exitCode}:\n${app.log().slice(-3000)}`);
    }
    try {
      const response = await request(`${app.url}/readyz`, {
        dispatcher: insecureAgent,
        headersTimeout: 3_000,
      });
      const body = (await response.body.json()) as Readiness;
      last = body;
      if (accept(body)) return body;
    } catch (error) {
      last = String(error);
    }
    await sleep(250);
  }
  throw new Error(`${app.name} not ready: ${JSON.stringify(last)}\n${app.log().slice(-3000)}`);
}
