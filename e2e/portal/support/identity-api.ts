import type { AppProcess } from '../../support/app-process.js';

/** A JSON call to identity's API as a person (session token) or anonymously, for set-up and checks. */
export async function callIdentity(
  identity: AppProcess,
  path: string,
  token: string | null,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${identity.url}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
