import { checkDependencies } from '../../readiness/check-dependencies';
import { readPortalEnv } from '../../readiness/portal-env';

// Readiness: can the portal do its job, that is, reach the services behind it?
export const dynamic = 'force-dynamic';

const noStore = { 'Cache-Control': 'no-store' };

export async function GET(): Promise<Response> {
  const config = readPortalEnv();
  if (!config.ok) {
    return Response.json(
      {
        status: 'not_ready',
        checks: { config: { status: 'down', reason: config.problems.join('; '), durationMs: 0 } },
      },
      { status: 503, headers: noStore },
    );
  }
  const report = await checkDependencies(config.env);
  return Response.json(report, { status: report.status === 'ready' ? 200 : 503, headers: noStore });
}
