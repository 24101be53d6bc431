import { readPortalEnv } from '../readiness/portal-env';

/**
 * URLs as client services see them, for snippets and docs. The portal may reach identity on an
 * internal address; PUBLIC_IDENTITY_URL and PUBLIC_GATEWAY_URL say what callers use instead.
 */
export function publicUrls(): { identity: string; gateway: string; tokenUrl: string } {
  const config = readPortalEnv();
  const identity = (
    process.env.PUBLIC_IDENTITY_URL?.trim() ||
    (config.ok ? config.env.IDENTITY_URL : 'http://127.0.0.1:3001')
  ).replace(/\/+$/, '');
  const gateway = (process.env.PUBLIC_GATEWAY_URL?.trim() || 'http://127.0.0.1:8080').replace(
    /\/+$/,
    '',
  );
  return { identity, gateway, tokenUrl: `${identity}/oauth2/token` };
}
