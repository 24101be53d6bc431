import { randomBase62 } from '@portcullis/crypto';
import { TOPICS } from '@portcullis/contracts';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { createKafka, runConsumer, type RunningConsumer } from '@portcullis/kafka';
import type { IdentityTestApp } from './identity-test-app.js';

/**
 * Helpers for the management-API tests: HTTP calls as a given person, accounts, an API in the
 * catalog, and a Kafka reader for management events. Names carry random suffixes so tests that
 * share one database never collide.
 */

export function suffix(): string {
  return randomBase62(10).toLowerCase();
}

export function testPrisma(): PrismaClient {
  return createPrismaClient({
    databaseUrl: process.env.DATABASE_URL!,
    applicationName: 'management-tests',
    poolMax: 3,
  });
}

// Response bodies are whatever the route returns; tests assert on them field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyBody = any;

export interface ApiResponse<Body = AnyBody> {
  status: number;
  body: Body;
  headers: Headers;
}

export type Call = <Body = AnyBody>(
  method: string,
  path: string,
  options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
) => Promise<ApiResponse<Body>>;

/** `call('POST', '/v1/teams', { token, body })` against a running identity. */
export function caller(identity: IdentityTestApp): Call {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${identity.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Leave non-JSON bodies as text.
    }
    return { status: response.status, body: body as never, headers: response.headers };
  };
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  /** The device token of the sign-in that made `token`. */
  deviceToken: string;
  personalTeamId: string;
}

/** Signs up through the API and signs in. */
export async function signUpUser(call: Call, label = 'user'): Promise<TestUser> {
  const email = `${label}-${suffix()}@example.test`;
  const password = `pw-${randomBase62(16)}`;
  const signUp = await call('POST', '/v1/users', {
    body: { email, password, displayName: `${label} ${email.slice(0, 8)}` },
  });
  if (signUp.status !== 201) throw new Error(`sign-up failed: ${JSON.stringify(signUp.body)}`);
  const { token, deviceToken } = await signInFrom(call, email, password);
  return {
    id: signUp.body.id,
    email,
    password,
    token,
    deviceToken,
    personalTeamId: signUp.body.personalTeam.id,
  };
}

export interface SignedIn {
  token: string;
  /** What this "device" presents when it signs in again (see KnownDevices). */
  deviceToken: string;
  deviceExpiresAt: string;
}

/** Signs in, from a known device when `deviceToken` is given. */
export async function signInFrom(
  call: Call,
  email: string,
  password: string,
  deviceToken?: string,
): Promise<SignedIn> {
  const response = await call('POST', '/v1/sessions', {
    body: { email, password, ...(deviceToken === undefined ? {} : { deviceToken }) },
  });
  if (response.status !== 201) throw new Error(`sign-in failed: ${JSON.stringify(response.body)}`);
  return response.body as SignedIn;
}

export async function signIn(call: Call, email: string, password: string): Promise<string> {
  const response = await call('POST', '/v1/sessions', { body: { email, password } });
  if (response.status !== 201) throw new Error(`sign-in failed: ${JSON.stringify(response.body)}`);
  return response.body.token as string;
}

/** Grants a global role straight in the database (bootstrapping the first admin). */
export async function grantRole(
  prisma: PrismaClient,
  userId: string,
  role: 'admin' | 'security' | 'approver',
  apiId: string | null = null,
): Promise<void> {
  await prisma.roleAssignment.create({ data: { userId, role, apiId } });
}

export async function createAdmin(call: Call, prisma: PrismaClient): Promise<TestUser> {
  const admin = await signUpUser(call, 'admin');
  await grantRole(prisma, admin.id, 'admin');
  return admin;
}

export interface TestApi {
  id: string;
  slug: string;
  plans: { id: string; name: string }[];
  ownerTeamId: string;
}

/** An API with a `read` scope, one route and a `free` plan, created through the API by an admin. */
export async function createTestApi(
  call: Call,
  adminToken: string,
  ownerTeamId: string,
  overrides: Record<string, unknown> = {},
): Promise<TestApi> {
  const id = suffix();
  const response = await call('POST', '/v1/apis', {
    token: adminToken,
    body: {
      slug: `api-${id}`,
      name: `API ${id}`,
      basePath: `/api-${id}`,
      upstreamUrl: 'http://127.0.0.1:9',
      ownerTeamId,
      scopes: [
        { name: 'things:read', description: 'Read things' },
        { name: 'things:write', description: 'Write things' },
      ],
      routes: [{ method: 'GET', pathPattern: '/things', requiredScopes: ['things:read'] }],
      plans: [{ name: 'free', ratePerSecond: 5 }],
      approval: { sandbox: 'auto', production: 'manual' },
      ...overrides,
    },
  });
  if (response.status !== 201)
    throw new Error(`create API failed: ${JSON.stringify(response.body)}`);
  return {
    id: response.body.id,
    slug: response.body.slug,
    plans: response.body.plans,
    ownerTeamId,
  };
}

export async function createTeam(call: Call, token: string, label = 'team'): Promise<string> {
  const response = await call('POST', '/v1/teams', {
    token,
    body: { name: `${label} ${suffix()}` },
  });
  if (response.status !== 201)
    throw new Error(`create team failed: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

export async function createApplication(
  call: Call,
  token: string,
  teamId: string,
): Promise<string> {
  const response = await call('POST', `/v1/teams/${teamId}/applications`, {
    token,
    body: { name: `app ${suffix()}` },
  });
  if (response.status !== 201)
    throw new Error(`create app failed: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

export interface ManagementEventRecord {
  id: string;
  type: string;
  data: {
    action: string;
    outcome: string;
    actor: { type: string; id: string | null; label: string | null };
    target: { type: string; id: string | null };
    apiId: string | null;
    appId: string | null;
    teamId: string | null;
    details: Record<string, unknown>;
  };
}

/** Reads portcullis.management.v1 with its own consumer group, keeping every event it sees. */
export class ManagementEventReader {
  readonly events: ManagementEventRecord[] = [];
  private consumer?: RunningConsumer;

  async start(): Promise<void> {
    const kafka = createKafka({
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
      clientId: `management-tests-${suffix()}`,
    });
    this.consumer = await runConsumer({
      kafka,
      groupId: `management-tests-${suffix()}`,
      topics: [TOPICS.managementEvents],
      fromBeginning: true,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.value) continue;
          try {
            this.events.push(JSON.parse(message.value.toString('utf8')) as ManagementEventRecord);
          } catch {
            // Not ours to judge: other producers' malformed records are skipped.
          }
        }
      },
    });
  }

  /** Waits until `predicate` matches `count` events, then returns them in arrival order. */
  async waitFor(
    predicate: (event: ManagementEventRecord) => boolean,
    count = 1,
    timeoutMs = 20_000,
  ): Promise<ManagementEventRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matches = this.events.filter(predicate);
      if (matches.length >= count) return matches;
      if (Date.now() > deadline) {
        throw new Error(`only ${matches.length} of ${count} expected management events arrived`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}
