import { cookies, headers as requestHeaders } from 'next/headers';
import { redirect } from 'next/navigation';
import type { z } from 'zod';
import { toProblem, type Problem } from '../lib/problem';
import { readPortalEnv, type PortalEnv } from '../readiness/portal-env';
import { visitorHeaders } from './client-address';
import { cookieName, requestOrigin, SESSION_COOKIE } from '../security/session-cookies';

/** A refused or failed call to identity or audit, carrying the service's problem details. */
export class BackendError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'BackendError';
  }
  get status(): number {
    return this.problem.status ?? 500;
  }
}

type Service = 'identity' | 'audit';

export interface BackendRequest {
  method?: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';
  query?: Record<string, string | number | undefined | null>;
  body?: unknown;
  /** Send the signed-in user's session token (default). Sign-up and sign-in send none. */
  authenticated?: boolean;
  /** Explicit token, for the moment right after sign-in before the cookie is readable. */
  token?: string;
  /**
   * A streamed answer (an export): the time limit covers the wait for its headers only, so a long
   * export is not cut off midway (a short file with no end marker would look complete).
   */
  stream?: boolean;
  /** How long the service may take (default 15 s): for the whole answer, or its headers when streamed. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

function portalEnv() {
  const config = readPortalEnv();
  if (!config.ok) throw new BackendError({ status: 503, title: 'The portal is misconfigured' });
  return config.env;
}

/** The audit trail records the person's browser (and address), not the portal's. */
async function currentVisitorHeaders(trustedHops: number): Promise<Record<string, string>> {
  let incoming: Awaited<ReturnType<typeof requestHeaders>>;
  try {
    incoming = await requestHeaders();
  } catch {
    return {}; // outside a request (scripts, unit tests): nobody to speak for
  }
  return visitorHeaders(incoming, trustedHops);
}

function serviceUrl(
  env: PortalEnv,
  service: Service,
  path: string,
  query?: BackendRequest['query'],
): URL {
  const base = service === 'identity' ? env.IDENTITY_URL : env.AUDIT_URL;
  const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '')
      url.searchParams.set(key, String(value));
  }
  return url;
}

/** The raw response from a service, the bearer added server-side (the browser never sees it). */
export async function backendFetch(
  service: Service,
  path: string,
  request: BackendRequest = {},
): Promise<Response> {
  const env = portalEnv();
  const headers: Record<string, string> = {
    ...(await currentVisitorHeaders(env.PORTAL_TRUSTED_PROXY_HOPS)),
    accept: 'application/json, application/problem+json',
  };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.authenticated !== false) {
    const token =
      request.token ??
      (await cookies()).get(cookieName(SESSION_COOKIE, requestOrigin(await requestHeaders())))
        ?.value;
    if (!token) redirect('/sign-in?reason=signed-out');
    headers.authorization = `Bearer ${token}`;
  }
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Fetch's signal also governs reading the body: a streamed answer gets one that stops counting
  // once the headers are in.
  const headersOnly = request.stream ? new AbortController() : null;
  const timer = headersOnly ? setTimeout(() => headersOnly.abort(), timeoutMs) : undefined;
  try {
    return await fetch(serviceUrl(env, service, path, request.query), {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      cache: 'no-store',
      redirect: 'manual',
      signal: headersOnly?.signal ?? AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new BackendError({
      status: 503,
      title: `The ${service} service is unreachable`,
      detail: `The ${service} service did not answer. Please try again in a moment.`,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls a service and validates the JSON answer. An expired session sends the person to sign in;
 * a session still owing its second factor goes to the MFA step.
 */
export async function backend<Schema extends z.ZodType>(
  service: Service,
  path: string,
  schema: Schema,
  request: BackendRequest = {},
): Promise<z.output<Schema>> {
  const response = await backendFetch(service, path, request);
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = toProblem(response.status, body);
    if (request.authenticated !== false && response.status === 401) {
      redirect('/sign-in?reason=expired');
    }
    if (response.status === 403 && /two-factor/i.test(problem.detail ?? ''))
      redirect('/sign-in/mfa');
    throw new BackendError(problem);
  }
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new BackendError({
      status: 502,
      title: 'Unexpected answer',
      detail: `The ${service} service answered in a form the portal does not understand.`,
    });
  }
  return parsed.data;
}

export const identity = <Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  request?: BackendRequest,
) => backend('identity', path, schema, request);

export const audit = <Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  request?: BackendRequest,
) => backend('audit', path, schema, request);

/** Runs a read that a page can live without (a 403/404 becomes null, other failures propagate). */
export async function optional<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof BackendError && [403, 404].includes(error.status)) return null;
    throw error;
  }
}

/** A path template whose interpolated values are URL-encoded: ids from URLs cannot add segments. */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce(
    (path, part, index) =>
      path + part + (index < values.length ? encodeURIComponent(String(values[index])) : ''),
    '',
  );
}
