import { headers } from 'next/headers';
import { configuredPortalOrigin, portalOrigin } from '../lib/portal-origin';

/**
 * The portal's address as people reach it, for telling an admin where to send someone with a
 * one-time code: PUBLIC_PORTAL_URL when set, else what this request's Host names; '' when neither.
 */
export async function portalAddress(): Promise<string> {
  return (
    configuredPortalOrigin(process.env.PUBLIC_PORTAL_URL) ?? portalOrigin(await headers()) ?? ''
  );
}
