import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { PrismaClient } from '@portcullis/db';
import type { AppProcess } from '../../support/app-process.js';
import { startAuditProcess as startAudit } from '../../support/stack.js';

/** identity's development master key (apps/identity/src/config.ts); test processes run with it. */
const DEV_IDENTITY_MASTER_KEY = 'ZGV2LW9ubHktbWFzdGVyLWtleS1jaGFuZ2UtbWUtcGxlYXNlISE=';
/** identity's development service tokens, by the service that holds them. */
export const DEV_SERVICE_TOKENS = {
  gateway: 'pcl_svc_dev_gateway_token_change_me_0000000000',
  audit: 'pcl_svc_dev_audit_token_change_me_00000000000',
  portal: 'pcl_svc_dev_portal_token_change_me_0000000000',
} as const;

/** The real audit service, from its build, on a free port, asking `identity` about sessions. */
export function startAuditProcess(identity: AppProcess, name: string): Promise<AppProcess> {
  return startAudit(name, { IDENTITY_URL: identity.url });
}

export interface JsonResponse {
  status: number;
  contentType: string;
  // Whatever the route answered; tests look at it field by field.
  body: unknown;
  text: string;
}

/** One HTTP call with an optional bearer token and JSON (or raw string) body. */
export async function callJson(
  url: string,
  options: {
    method?: string;
    token?: string | null;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body,
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text.
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: parsed,
    text,
  };
}

export interface SignedUpUser {
  id: string;
  email: string;
  password: string;
  token: string;
  personalTeamId: string;
}

/** Signs a new person up through identity's API and signs them in. */
export async function signUpAndSignIn(identityUrl: string, label: string): Promise<SignedUpUser> {
  const email = `${label}-${randomBytes(5).toString('hex')}@example.test`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const signUp = await callJson(`${identityUrl}/v1/users`, {
    method: 'POST',
    body: { email, password, displayName: `${label} ${email.slice(-20, -13)}` },
  });
  if (signUp.status !== 201) throw new Error(`sign-up failed: ${signUp.text}`);
  const created = signUp.body as { id: string; personalTeam: { id: string } };
  const signIn = await callJson(`${identityUrl}/v1/sessions`, {
    method: 'POST',
    body: { email, password },
  });
  if (signIn.status !== 201) throw new Error(`sign-in failed: ${signIn.text}`);
  return {
    id: created.id,
    email,
    password,
    token: (signIn.body as { token: string }).token,
    personalTeamId: created.personalTeam.id,
  };
}

/**
 * The private key identity signs access tokens with, decrypted from its table as identity does
 * (HKDF data key, AES-256-GCM with the kid as associated data), so tests can mint tokens that
 * differ from real ones only in the claim under test.
 */
export async function activeSigningKey(
  prisma: PrismaClient,
): Promise<{ kid: string; alg: string; privateKeyPem: string; publicJwk: object }> {
  const row = await prisma.signingKey.findFirst({
    where: { status: 'active' },
    orderBy: { activatesAt: 'desc' },
  });
  if (!row) throw new Error('identity has no active signing key yet');
  const dataKey = Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(DEV_IDENTITY_MASTER_KEY, 'base64'),
      Buffer.alloc(0),
      'portcullis/signing-keys/aes-256-gcm/v1',
      32,
    ),
  );
  const [, iv, ciphertext, tag] = row.privateKeyEncrypted.split('.');
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv!, 'base64url'));
  decipher.setAAD(Buffer.from(row.kid, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
  const privateKeyPem = Buffer.concat([
    decipher.update(Buffer.from(ciphertext!, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
  return { kid: row.kid, alg: row.alg, privateKeyPem, publicJwk: row.publicJwk as object };
}

export interface Cast {
  /** Owns a team with an application subscribed (pending production access) to `apiSlug`. */
  dev: SignedUpUser;
  /** Approver of `apiSlug`. */
  apThis: SignedUpUser;
  /** Approver of another API only. */
  apOther: SignedUpUser;
  sec: SignedUpUser;
  admin: SignedUpUser;
  apiId: string;
  apiSlug: string;
  otherApiId: string;
  appId: string;
  appName: string;
  teamName: string;
  subscriptionId: string;
}

/**
 * Everyone the authorization and fuzzing tests act as, made through identity's own API (roles
 * straight in the database, as the first admin is bootstrapped).
 */
export async function seedCast(identityUrl: string, prisma: PrismaClient): Promise<Cast> {
  const [dev, apThis, apOther, sec, admin] = await Promise.all([
    signUpAndSignIn(identityUrl, 'h-dev'),
    signUpAndSignIn(identityUrl, 'h-approver'),
    signUpAndSignIn(identityUrl, 'h-other-approver'),
    signUpAndSignIn(identityUrl, 'h-security'),
    signUpAndSignIn(identityUrl, 'h-admin'),
  ]);
  await prisma.roleAssignment.create({ data: { userId: admin.id, role: 'admin' } });
  await prisma.roleAssignment.create({ data: { userId: sec.id, role: 'security' } });
  const createApi = async () => {
    const id = randomBytes(5).toString('hex');
    const response = await callJson(`${identityUrl}/v1/apis`, {
      method: 'POST',
      token: admin.token,
      body: {
        slug: `hostile-${id}`,
        name: `Hostile ${id}`,
        basePath: `/hostile-${id}`,
        upstreamUrl: 'http://127.0.0.1:9',
        ownerTeamId: admin.personalTeamId,
        scopes: [{ name: 'things:read', description: 'Read things' }],
        routes: [{ method: 'GET', pathPattern: '/things', requiredScopes: ['things:read'] }],
        plans: [{ name: 'free', ratePerSecond: 5 }],
        approval: { sandbox: 'auto', production: 'manual' },
      },
    });
    if (response.status !== 201) throw new Error(`create API failed: ${response.text}`);
    return response.body as { id: string; slug: string };
  };
  const [api, otherApi] = [await createApi(), await createApi()];
  await prisma.roleAssignment.create({
    data: { userId: apThis.id, role: 'approver', apiId: api.id },
  });
  await prisma.roleAssignment.create({
    data: { userId: apOther.id, role: 'approver', apiId: otherApi.id },
  });
  const appName = `hostile app ${randomBytes(4).toString('hex')}`;
  const app = await callJson(`${identityUrl}/v1/teams/${dev.personalTeamId}/applications`, {
    method: 'POST',
    token: dev.token,
    body: { name: appName },
  });
  if (app.status !== 201) throw new Error(`create app failed: ${app.text}`);
  const appId = (app.body as { id: string }).id;
  const subscription = await callJson(`${identityUrl}/v1/applications/${appId}/subscriptions`, {
    method: 'POST',
    token: dev.token,
    body: { apiSlug: api.slug, planName: 'free', environment: 'production' },
  });
  if (subscription.status !== 201) throw new Error(`subscribe failed: ${subscription.text}`);
  const team = await callJson(`${identityUrl}/v1/teams/${dev.personalTeamId}`, {
    token: dev.token,
  });
  return {
    appName,
    teamName: (team.body as { name: string }).name,
    dev,
    apThis,
    apOther,
    sec,
    admin,
    apiId: api.id,
    apiSlug: api.slug,
    otherApiId: otherApi.id,
    appId,
    subscriptionId: (subscription.body as { id: string }).id,
  };
}

export interface OpenApiOperation {
  method: string;
  /** The path template as documented, e.g. `/v1/teams/{id}`. */
  path: string;
  operation: {
    parameters?: { name: string; in: string; required?: boolean; schema?: object }[];
    requestBody?: { content?: Record<string, { schema?: object }> };
  };
}

/** Every operation a running service documents at /openapi.json. */
export async function documentedOperations(serviceUrl: string): Promise<OpenApiOperation[]> {
  const response = await callJson(`${serviceUrl}/openapi.json`);
  if (response.status !== 200) throw new Error(`no OpenAPI document at ${serviceUrl}`);
  const document = response.body as {
    paths: Record<string, Record<string, OpenApiOperation['operation']>>;
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}
