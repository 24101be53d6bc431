import type { z } from 'zod';
import { readPortalEnv } from '../readiness/portal-env';
import { identity, type BackendRequest } from './backend';
import type { Viewer } from './session';

/**
 * Reads the catalog for whoever is looking. Signed-in people read it with their session; a
 * visitor reads it through the portal's own service token, for which identity returns only the
 * public view (never upstream URLs or gateway settings). Without a token configured the catalog
 * stays behind sign-in: `null` tells the page to ask for it.
 */
export async function readCatalog<Schema extends z.ZodType>(
  viewer: Viewer | null,
  path: string,
  schema: Schema,
  request: Pick<BackendRequest, 'query'> = {},
): Promise<z.output<Schema> | null> {
  if (viewer) return identity(path, schema, request);
  const config = readPortalEnv();
  const token = config.ok ? config.env.PORTAL_SERVICE_TOKEN : undefined;
  if (!token) return null;
  return identity(path, schema, { ...request, token });
}

/** Whether visitors can browse the catalog on this installation. */
export function anonymousCatalogEnabled(): boolean {
  const config = readPortalEnv();
  return config.ok && config.env.PORTAL_SERVICE_TOKEN !== undefined;
}
