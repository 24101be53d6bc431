import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { ROOT, type AppProcess } from '../../support/app-process.js';
import { freePort } from '../../support/ports.js';

/**
 * The portal as users run it: its server (apps/portal/server.ts, Next.js in production mode) on
 * its production build (apps/portal/.next, made by the test command's build step), on a free port,
 * pointed at the given services. `host` `::` also takes IPv6 loopback connections.
 */
export async function startPortalProcess(
  env: Record<string, string>,
  host: '127.0.0.1' | '::' = '127.0.0.1',
): Promise<AppProcess> {
  const portalDir = resolve(ROOT, 'apps/portal');
  if (!existsSync(resolve(portalDir, '.next/BUILD_ID'))) {
    throw new Error('apps/portal/.next is missing: build first (npx nx run-many -t build).');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logDir = resolve(ROOT, '.var/logs');
  mkdirSync(logDir, { recursive: true });
  const logPath = resolve(logDir, 'e2e-portal.log');
  const log = createWriteStream(logPath, { flags: 'w' });
  const child = spawn(process.execPath, ['server.ts'], {
    // From the app's own folder: next.config.ts resolves its imports from the working directory.
    cwd: portalDir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORTAL_PORT: String(port),
      HOST: host,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const portal: AppProcess = {
    name: 'portal',
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
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      log.end();
      return code;
    },
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`portal exited with ${child.exitCode}:\n${portal.log().slice(-3000)}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return portal;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`portal did not start:\n${portal.log().slice(-3000)}`);
}
