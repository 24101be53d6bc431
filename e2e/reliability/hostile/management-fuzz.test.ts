import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../support/app-process.js';
import { Fixtures } from '../../support/fixtures.js';
import { startIdentityProcess } from '../../support/stack.js';
import {
  callJson,
  documentedOperations,
  seedCast,
  startAuditProcess,
  type Cast,
  type OpenApiOperation,
} from '../support/hostile-stack.js';
import { recordFinding } from '../support/reliability-report.js';
import {
  fuzzedBody,
  fuzzedQuery,
  type FuzzedBody,
  type JsonSchema,
} from '../support/schema-fuzz.js';

/** Fixed, so a failure replays: the seed of each operation is SEED + its index. */
const SEED = Number(process.env.HOSTILE_FUZZ_SEED ?? 20261127);
/** Inputs per operation: bodies for those that take one, queries for those with parameters. */
const RUNS_PER_OPERATION = Number(process.env.HOSTILE_FUZZ_RUNS ?? 8);

/** Routes whose effect would end the test's own session. */
const NOT_FUZZED = new Set(['DELETE /v1/sessions/current']);
/** Mutations that, accepted with 2xx, mean the service stored what its own schema forbids. */
const DEFINITELY_INVALID = new Set([
  'wrong type',
  'unknown property',
  'missing required',
  'too long',
  'not in enum',
]);

interface Outcome {
  service: string;
  route: string;
  input: string;
  status: number;
  problem: string;
}

describe('management APIs under property-based fuzzing (fast-check)', () => {
  const fixtures = new Fixtures();
  let identity: AppProcess;
  let audit: AppProcess;
  let cast: Cast;

  beforeAll(async () => {
    identity = await startIdentityProcess('hostile-fuzz-identity');
    [audit, cast] = await Promise.all([
      startAuditProcess(identity, 'hostile-fuzz-audit'),
      seedCast(identity.url, fixtures.prisma),
    ]);
  }, 180_000);

  afterAll(async () => {
    await audit?.stop();
    await identity?.stop();
    await fixtures.close();
  });

  /** Real ids where the route names one, so fuzzed bodies reach validation and storage. */
  function concretePath(template: string, variant: number): string {
    const real: Record<string, string> = {
      appId: cast.appId,
      teamId: cast.admin.personalTeamId,
      slug: cast.apiSlug,
      userId: cast.dev.id,
    };
    return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      // Every other input gets a hostile id instead, to fuzz the path parameter itself.
      if (variant % 2 === 1)
        return encodeURIComponent(["'; --", '..', '\u0000x', 'x'.repeat(300)][variant % 4]!);
      if (name === 'id' && template.startsWith('/v1/teams/')) return cast.admin.personalTeamId;
      if (name === 'id' && template.startsWith('/v1/applications/')) return cast.appId;
      if (name === 'id' && template.startsWith('/v1/subscriptions/')) return cast.subscriptionId;
      if (name === 'id' && template.startsWith('/v1/users/')) return cast.dev.id;
      return real[name] ?? '0190a1b2-0000-7000-8000-000000000000';
    });
  }

  async function fuzzService(
    service: string,
    url: string,
    index0: number,
  ): Promise<{ failures: Outcome[]; invalidBodiesSent: number }> {
    const operations = (await documentedOperations(url)).filter(
      (operation) => !NOT_FUZZED.has(`${operation.method} ${operation.path}`),
    );
    const failures: Outcome[] = [];
    let tried = 0;
    let serverErrors = 0;
    let storedInvalid = 0;
    /** How many inputs of each kind went out, so the report shows what was actually tried. */
    const kinds = new Map<string, number>();
    let invalidBodiesSent = 0;
    for (const [offset, operation] of operations.entries()) {
      const route = `${operation.method} ${operation.path}`;
      const seed = SEED + index0 + offset;
      const inputs = inputsFor(operation, seed);
      for (const [variant, input] of inputs.entries()) {
        const path = concretePath(operation.path, variant) + input.query;
        const body = input.body;
        const response = await callJson(`${url}${path}`, {
          method: operation.method,
          token: cast.admin.token,
          ...(body === undefined
            ? {}
            : body.mutation === 'not JSON'
              ? { rawBody: String(body.value) }
              : { body: body.value }),
        });
        tried += 1;
        const kind = body?.mutation ?? 'query or id only';
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (body && DEFINITELY_INVALID.has(body.mutation)) invalidBodiesSent += 1;
        const oauth = operation.path.startsWith('/oauth2/');
        const described = `${body ? `${body.mutation}${body.field ? ` (${body.field})` : ''}: ${JSON.stringify(body.value).slice(0, 160)}` : ''} ${input.query.slice(0, 120)} [seed ${seed}]`;
        if (response.status >= 500) {
          serverErrors += 1;
          failures.push({
            service,
            route,
            input: described,
            status: response.status,
            problem: '5xx',
          });
        } else if (
          response.status >= 400 &&
          !response.contentType.includes(oauth ? 'application/json' : 'application/problem+json')
        ) {
          failures.push({
            service,
            route,
            input: described,
            status: response.status,
            problem: `error as ${response.contentType}`,
          });
        } else if (
          response.status < 300 &&
          body !== undefined &&
          DEFINITELY_INVALID.has(body.mutation) &&
          ['POST', 'PUT', 'PATCH'].includes(operation.method)
        ) {
          storedInvalid += 1;
          failures.push({
            service,
            route,
            input: described,
            status: response.status,
            problem: 'accepted a body its schema forbids',
          });
        }
      }
    }
    recordFinding({
      kind: 'hostile',
      name: `Management API fuzzing: ${service} (${operations.length} routes, seed ${SEED}, ${RUNS_PER_OPERATION} inputs each)`,
      inputsTried: tried,
      gotThrough: serverErrors + storedInvalid,
      detail: `as an admin, schema-shaped bodies broken one way, arbitrary JSON, non-JSON, hostile queries and ids (${[...kinds].map(([name, count]) => `${name} ${count}`).join(', ')}); ${serverErrors} answered 5xx, ${storedInvalid} invalid bodies accepted`,
    });
    return { failures, invalidBodiesSent };
  }

  function inputsFor(
    operation: OpenApiOperation,
    seed: number,
  ): { body?: FuzzedBody; query: string }[] {
    const schema = operation.operation.requestBody?.content?.['application/json']?.schema as
      JsonSchema | undefined;
    const takesBody = schema !== undefined || ['POST', 'PUT', 'PATCH'].includes(operation.method);
    const queryNames = (operation.operation.parameters ?? [])
      .filter((parameter) => parameter.in === 'query')
      .map((parameter) => parameter.name);
    const arbitrary = fc.record({
      body: takesBody ? fuzzedBody(schema) : fc.constant(undefined),
      query: queryNames.length > 0 ? fuzzedQuery(queryNames) : fc.constant(''),
    });
    return fc.sample(arbitrary, { seed, numRuns: RUNS_PER_OPERATION });
  }

  it('identity: no 5xx, errors are problems, nothing invalid accepted', async () => {
    const { failures, invalidBodiesSent } = await fuzzService('identity', identity.url, 0);
    expect(
      failures,
      `replay: HOSTILE_FUZZ_SEED=${SEED} HOSTILE_FUZZ_RUNS=${RUNS_PER_OPERATION}`,
    ).toEqual([]);
    // The bodies a validator must refuse were really sent (else the check above proves nothing).
    expect(invalidBodiesSent).toBeGreaterThan(0);
  });

  it('audit: no 5xx, errors are problems, nothing invalid accepted', async () => {
    const { failures, invalidBodiesSent } = await fuzzService('audit', audit.url, 1000);
    expect(
      failures,
      `replay: HOSTILE_FUZZ_SEED=${SEED} HOSTILE_FUZZ_RUNS=${RUNS_PER_OPERATION}`,
    ).toEqual([]);
    // The bodies a validator must refuse were really sent (else the check above proves nothing).
    expect(invalidBodiesSent).toBeGreaterThan(0);
  });
});
