import type { PortalEnv } from './portal-env';

export interface DependencyCheck {
  status: 'up' | 'down';
  /** Why it is down, in words safe to show to anyone who can reach the probe. */
  reason?: string;
  durationMs: number;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, DependencyCheck>;
}

/** A probe must answer before an orchestrator's own timeout (often 1 s to a few seconds). */
export const CHECK_TIMEOUT_MS = 1_500;

/** Asks each service the portal calls for its own liveness endpoint, all at once. */
export async function checkDependencies(
  env: Pick<PortalEnv, 'IDENTITY_URL' | 'AUDIT_URL'>,
): Promise<ReadinessReport> {
  const targets = {
    identity: healthUrl(env.IDENTITY_URL),
    audit: healthUrl(env.AUDIT_URL),
  };
  const entries = await Promise.all(
    Object.entries(targets).map(async ([name, url]) => [name, await probe(url)] as const),
  );
  const checks = Object.fromEntries(entries);
  const ready = entries.every(([, check]) => check.status === 'up');
  return { status: ready ? 'ready' : 'not_ready', checks };
}

/** `healthz` under the base URL, keeping any path prefix a reverse proxy mounts the service at. */
function healthUrl(base: string): URL {
  return new URL('healthz', base.endsWith('/') ? base : `${base}/`);
}

async function probe(url: URL): Promise<DependencyCheck> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, {
      cache: 'no-store',
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    // Drain the body so the connection can be reused.
    await response.body?.cancel();
    if (response.ok) return { status: 'up', durationMs: elapsed() };
    return { status: 'down', reason: `HTTP ${response.status}`, durationMs: elapsed() };
  } catch (error) {
    return { status: 'down', reason: describeFailure(error), durationMs: elapsed() };
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer within ${CHECK_TIMEOUT_MS} ms`;
  }
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return `unreachable (${cause.code})`;
  return 'unreachable';
}
