/**
 * Token endpoint benchmark: Portcullis identity vs oidc-provider, both issuing ES256 JWT access
 * tokens for the client_credentials grant with client_secret_basic, loaded with autocannon on
 * loopback for a bounded time. Prints tokens/s and p50/p99 latency side by side and writes
 * RESULTS.md next to this file.
 *
 *   node tools/bench/token-endpoint/run.ts
 *
 * Environment: BENCH_DURATION_SECONDS (15, per server, split into BENCH_ROUNDS = 3
 * alternating rounds), BENCH_CONNECTIONS (20), BENCH_DATABASE_URL
 * (postgresql://postgres@127.0.0.1:5432/portcullis_bench_token_endpoint — reset by this script),
 * KAFKA_BROKERS (127.0.0.1:9092), REDIS_URL (redis://127.0.0.1:6379).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import pg from 'pg';
import { processCpuMs } from '../process-cpu.ts';

/** The part of autocannon's result this script reads (the package ships no types). */
interface LoadResult {
  duration: number;
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: object,
) => Promise<LoadResult>;

const here = import.meta.dirname;
const root = resolve(here, '../../..');
const duration = Number(process.env.BENCH_DURATION_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const warmupSeconds = 3;
const HAND_WRITTEN_HEADING = '## Reading these numbers';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const databaseUrl =
  process.env.BENCH_DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/portcullis_bench_token_endpoint';

interface Measured {
  name: string;
  tokensPerSecond: number;
  /** CPU time (user + system) the server process spent per request: robust to a busy machine. */
  cpuMicrosPerRequest: number | null;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

const children: ChildProcess[] = [];

async function main(): Promise<void> {
  const hashKey = randomBytes(32);
  const clientId = `pcl_test_client_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const clientSecret = `pcls_${randomBytes(32).toString('base64url')}`;

  console.log('preparing the benchmark database…');
  const engine = (await import(resolve(root, 'tools/db/schema-engine.ts'))) as {
    resetDatabase(url: string, options?: { force?: boolean }): Promise<void>;
  };
  await engine.resetDatabase(databaseUrl, { force: true });
  const audience = await seed(
    clientId,
    createHmac('sha256', hashKey).update(clientSecret).digest('base64url'),
  );

  const identityPort = await freePort();
  const identityUrl = `http://127.0.0.1:${identityPort}`;
  console.log('starting identity…');
  const identity = fork(resolve(root, 'apps/identity/src/main.ts'), [], {
    cwd: root,
    execArgv: [
      '--import',
      resolve(here, 'register-swc.ts'),
      '--conditions=@portcullis/source',
      // BENCH_PROFILE=1 writes a CPU profile of identity to .var/bench-profile.
      ...(process.env.BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${resolve(root, '.var/bench-profile')}`]
        : []),
    ],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      IDENTITY_PORT: String(identityPort),
      IDENTITY_ISSUER: identityUrl,
      IDENTITY_MASTER_KEY: randomBytes(32).toString('base64'),
      CREDENTIAL_HASH_KEY: hashKey.toString('base64'),
      IDENTITY_SERVICE_TOKENS: `bench=pcl_svc_${randomBytes(24).toString('base64url')}`,
      SPOOL_DIR: resolve(root, '.var/bench-spool'),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(identity);
  await waitFor(`${identityUrl}/.well-known/jwks.json`, (body) => body.includes('"kid"'));

  const oidcPort = await freePort();
  const oidcUrl = `http://127.0.0.1:${oidcPort}`;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  console.log('starting oidc-provider…');
  const peer = fork(resolve(here, 'oidc-provider-server.ts'), [], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(oidcPort),
      SIGNING_JWK: JSON.stringify(await exportJWK(privateKey)),
      CLIENT_ID: clientId,
      CLIENT_SECRET: clientSecret,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(peer);
  await waitFor(`${oidcUrl}/.well-known/openid-configuration`, (body) => body.includes('issuer'));

  const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
  const targets = [
    {
      name: 'Portcullis identity',
      process: identity,
      url: `${identityUrl}/oauth2/token`,
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'orders:read',
        resource: audience,
      }).toString(),
    },
    {
      name: `oidc-provider ${await peerVersion()}`,
      process: peer,
      url: `${oidcUrl}/token`,
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'orders:read',
        resource: 'urn:bench:api',
      }).toString(),
    },
  ];
  const headers = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };
  for (const target of targets) await sanityCheck(target.name, target.url, target.body, headers);
  // Reference only (not in the ratio): the same identity process answering GET /healthz, i.e.
  // what Fastify + NestJS + OpenTelemetry cost before any OAuth work.
  const baselineUrl = `${identityUrl}/healthz`;

  for (const target of targets) {
    console.log(`warming up ${target.name} (${warmupSeconds} s)…`);
    await load(target.url, target.body, headers, warmupSeconds);
  }
  // Alternate the servers over several short rounds, so background load on a shared machine
  // falls on both alike.
  const roundSeconds = Math.max(1, Math.round(duration / rounds));
  const samples = new Map<string, LoadResult[]>(targets.map((target) => [target.name, []]));
  const cpuMs = new Map<string, number | null>(targets.map((target) => [target.name, 0]));
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      console.log(
        `round ${round + 1}/${rounds}: ${target.name} (${roundSeconds} s, ${connections} connections)…`,
      );
      const before = processCpuMs(target.process.pid);
      samples.get(target.name)!.push(await load(target.url, target.body, headers, roundSeconds));
      const after = processCpuMs(target.process.pid);
      const spent = cpuMs.get(target.name);
      cpuMs.set(
        target.name,
        spent === null || spent === undefined || before === null || after === null
          ? null
          : spent + after - before,
      );
    }
  }
  const results: Measured[] = targets.map((target) => {
    const runs = samples.get(target.name)!;
    const requests = runs.reduce((sum, run) => sum + run.requests.total, 0);
    const spent = cpuMs.get(target.name);
    return {
      name: target.name,
      tokensPerSecond: requests / runs.reduce((sum, run) => sum + run.duration, 0),
      cpuMicrosPerRequest: spent === null || spent === undefined ? null : (spent * 1000) / requests,
      p50: median(runs.map((run) => run.latency.p50)),
      p99: median(runs.map((run) => run.latency.p99)),
      requests,
      non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
    };
  });
  // While profiling, only token requests run, so the profile shows the token path alone.
  if (process.env.BENCH_PROFILE) {
    report(results, null);
    return;
  }
  console.log('reference: identity GET /healthz…');
  const cpuBefore = processCpuMs(identity.pid);
  const baseline = await autocannon({
    url: baselineUrl,
    connections,
    duration: Math.max(1, Math.round(duration / rounds)),
  });
  const cpuAfter = processCpuMs(identity.pid);
  report(results, {
    name: 'reference: identity GET /healthz (no OAuth work)',
    tokensPerSecond: baseline.requests.total / baseline.duration,
    cpuMicrosPerRequest:
      cpuBefore === null || cpuAfter === null
        ? null
        : ((cpuAfter - cpuBefore) * 1000) / baseline.requests.total,
    p50: baseline.latency.p50,
    p99: baseline.latency.p99,
    requests: baseline.requests.total,
    non2xx: baseline.non2xx,
    errors: baseline.errors,
  });
}

async function seed(clientId: string, secretHash: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const [userId, teamId, appId, apiId, planId] = [1, 2, 3, 4, 5].map(() => randomUUID());
    const now = new Date();
    await client.query(
      `INSERT INTO identity.users (id, email, password_hash, display_name, updated_at) VALUES ($1, 'bench@example.test', 'unused', 'Bench', $2)`,
      [userId, now],
    );
    await client.query(
      `INSERT INTO identity.teams (id, slug, name, updated_at) VALUES ($1, 'bench', 'Bench', $2)`,
      [teamId, now],
    );
    await client.query(
      `INSERT INTO identity.applications (id, team_id, name, created_by_id, updated_at) VALUES ($1, $2, 'bench-app', $3, $4)`,
      [appId, teamId, userId, now],
    );
    await client.query(
      `INSERT INTO identity.apis (id, slug, name, base_path, upstream_url, owner_team_id, auth_methods, token_lifetime_seconds, updated_at)
       VALUES ($1, 'bench', 'Bench', '/bench', 'http://127.0.0.1:9/', $2, '{oauth2_client_credentials}', 600, $3)`,
      [apiId, teamId, now],
    );
    await client.query(
      `INSERT INTO identity.api_scopes (id, api_id, name) VALUES ($1, $2, 'orders:read')`,
      [randomUUID(), apiId],
    );
    await client.query(
      `INSERT INTO identity.plans (id, api_id, name, rate_per_second, burst, updated_at) VALUES ($1, $2, 'standard', 1000, 1000, $3)`,
      [planId, apiId, now],
    );
    await client.query(
      `INSERT INTO identity.subscriptions (id, application_id, api_id, plan_id, environment, status, granted_scopes, updated_at)
       VALUES ($1, $2, $3, $4, 'sandbox', 'approved', '{orders:read}', $5)`,
      [randomUUID(), appId, apiId, planId, now],
    );
    await client.query(
      `INSERT INTO identity.credentials (id, application_id, environment, kind, client_id, key_id, secret_hash, updated_at)
       VALUES ($1, $2, 'sandbox', 'client_secret', $3, $4, $5, $6)`,
      [randomUUID(), appId, clientId, `sec_${randomUUID()}`, secretHash, now],
    );
  } finally {
    await client.end();
  }
  return 'urn:portcullis:api:bench';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function load(url: string, body: string, headers: Record<string, string>, seconds: number) {
  return autocannon({ url, method: 'POST', headers, body, connections, duration: seconds });
}

async function sanityCheck(
  name: string,
  url: string,
  body: string,
  headers: Record<string, string>,
) {
  const response = await fetch(url, { method: 'POST', headers, body });
  const json = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !json.access_token) {
    throw new Error(`${name} did not issue a token: ${response.status} ${JSON.stringify(json)}`);
  }
  const header = JSON.parse(
    Buffer.from(json.access_token.split('.')[0]!, 'base64url').toString(),
  ) as {
    alg: string;
    typ: string;
  };
  console.log(`${name}: ${header.alg} ${header.typ} token issued`);
  if (header.alg !== 'ES256') throw new Error(`${name} signs with ${header.alg}, not ES256`);
}

function report(results: Measured[], reference: Measured | null): void {
  const [ours, peer] = results as [Measured, Measured];
  const ratio = ours.tokensPerSecond / peer.tokensPerSecond;
  const cells = [...results, ...(reference ? [reference] : [])].map((result) => [
    result.name,
    result.tokensPerSecond.toFixed(0),
    result.cpuMicrosPerRequest === null ? 'n/a' : result.cpuMicrosPerRequest.toFixed(0),
    String(result.p50),
    String(result.p99),
    String(result.requests),
    String(result.non2xx + result.errors),
  ]);
  const table = markdownTable(
    ['Server', 'tokens/s', 'server CPU µs/req', 'p50 ms', 'p99 ms', 'requests', 'non-2xx + errors'],
    cells,
  );
  const cpu = cpus();
  const cpuRatio =
    ours.cpuMicrosPerRequest && peer.cpuMicrosPerRequest
      ? peer.cpuMicrosPerRequest / ours.cpuMicrosPerRequest
      : null;
  const summary =
    `Ratio (Portcullis / oidc-provider, tokens/s): **${ratio.toFixed(2)}×** (goal ≥ 1.5×)` +
    (cpuRatio === null
      ? ''
      : `\nCPU per token (oidc-provider / Portcullis): **${cpuRatio.toFixed(2)}×** — the same ` +
        'comparison with the load tool and other work on the machine taken out.');
  console.log(`\n${table}\n\n${summary}\n`);
  const markdown = `# Token endpoint benchmark results

Generated by \`node tools/bench/token-endpoint/run.ts\` on ${new Date().toISOString()}.

- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}
  (shared with other work while it ran: treat small differences as noise).
- Load: autocannon, ${connections} connections, ${rounds} alternating rounds of ${Math.max(1, Math.round(duration / rounds))} s per server after a ${warmupSeconds} s warm-up, loopback.
  tokens/s = all requests / all measured time; p50 and p99 are the medians over the rounds.
- Request: \`POST\` token endpoint, \`grant_type=client_credentials\`, \`client_secret_basic\`, one scope,
  one resource (RFC 8707); both servers sign ES256 JWT access tokens (RFC 9068 \`at+jwt\`).
- Portcullis identity: NODE_ENV=production, from source (SWC), credentials and subscriptions
  cached per config version (PostgreSQL polled in the background), Kafka and Redis connected as
  in production, OpenTelemetry instrumentation on.
- oidc-provider: in-memory adapter and static client, \`resourceIndicators\` with a JWT resource server.

${table}

${summary}
`;
  mkdirSync(here, { recursive: true });
  // The hand-written analysis below the generated part survives a new run.
  const resultsFile = resolve(here, 'RESULTS.md');
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  const handWritten = previous.indexOf(HAND_WRITTEN_HEADING);
  writeFileSync(
    resultsFile,
    handWritten === -1 ? markdown : `${markdown}\n${previous.slice(handWritten)}`,
  );
  console.log(`written ${resultsFile}`);
}

/** A table laid out as Prettier would (first column left, the numbers right-aligned). */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (column === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

async function peerVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(
    await readFile(resolve(root, 'node_modules/oidc-provider/package.json'), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor(
  url: string,
  ready: (body: string) => boolean,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok && ready(await response.text())) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
}

function stopChildren(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

try {
  await main();
} finally {
  stopChildren();
}
