/**
 * Gateway benchmark: one run on this machine, same upstream and load tool (autocannon) for
 * (a) the upstream directly, (b) a bare Node reverse proxy (@fastify/http-proxy), (c) nginx
 * proxy_pass, (d) Portcullis with JWT auth, rate limiting and access events on.
 *
 *   npm run build && node tools/bench/gateway/run.ts
 *
 * Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 64), BENCH_DATABASE_URL (a database
 * the run may reset; default portcullis_bench), KAFKA_BROKERS (default 127.0.0.1:9092; events are
 * spooled if it is down), REDIS_URL. Writes tools/bench/gateway/RESULTS.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { apiAudience, TOPIC_SPECS } from '@portcullis/contracts';
import { createKafka, ensureTopics } from '@portcullis/kafka';
import {
  decodeHashKey,
  generateClientId,
  generateClientSecret,
  keyedHash,
} from '@portcullis/crypto';
import { createPrismaClient } from '@portcullis/db';
import { processCpuMs } from '../process-cpu.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis_bench_gateway';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HASH_KEY = 'ZGV2LW9ubHktY3JlZGVudGlhbC1oYXNoLWtleS1jaGFuZ2UtbWU=';
const LOG_DIR = resolve(ROOT, '.var/logs');
/** Extra node flags for the gateway, e.g. `--cpu-prof --cpu-prof-dir=.var/prof` to profile it. */
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** The same for the bare Node proxy, to profile the baseline alongside. */
const BARE_PROXY_NODE_ARGS = (process.env.BENCH_BARE_PROXY_NODE_ARGS ?? '')
  .split(' ')
  .filter(Boolean);
/** Comma-separated subset of direct,bare,nginx,portcullis,half (default: all). */
const FULL_RUN = process.env.BENCH_ONLY === undefined;
const HAND_WRITTEN_HEADING = '## What changed';
const ONLY = new Set((process.env.BENCH_ONLY ?? 'direct,bare,nginx,portcullis,half').split(','));
const children: ChildProcess[] = [];

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time the serving process spent per request; null when not measured. */
  cpuMicrosPerRequest: number | null;
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function launch(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(join(LOG_DIR, `bench-${name}.log`));
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  children.push(child);
  return child;
}

async function waitFor(
  url: string,
  accept: (status: number) => boolean = (s) => s < 500,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (accept(response.status)) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not come up`);
}

async function load(
  name: string,
  url: string,
  headers: Record<string, string>,
  overallRate?: number,
  server?: ChildProcess,
): Promise<Measured> {
  const cpuBefore = processCpuMs(server?.pid);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    headers,
    ...(overallRate ? { overallRate } : {}),
  });
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuMicrosPerRequest: cpuPerRequest(cpuBefore, processCpuMs(server?.pid), result.requests.total),
  };
}

function cpuPerRequest(before: number | null, after: number | null, requests: number) {
  if (before === null || after === null || requests === 0) return null;
  return Math.round(((after - before) * 1000) / requests);
}

async function warm(url: string, headers: Record<string, string>): Promise<void> {
  await autocannon({ url, connections: CONNECTIONS, duration: 3, headers });
}

async function seed(upstreamUrl: string) {
  const { resetDatabase } = (await import(resolve(ROOT, 'tools/db/schema-engine.ts'))) as {
    resetDatabase(url: string, options?: { force?: boolean }): Promise<void>;
  };
  await resetDatabase(DATABASE_URL, { force: true });
  const prisma = createPrismaClient({ databaseUrl: DATABASE_URL });
  const user = await prisma.user.create({
    data: { email: 'bench@example.test', passwordHash: 'x', displayName: 'Bench' },
  });
  const team = await prisma.team.create({ data: { slug: 'bench', name: 'Bench' } });
  const api = await prisma.api.create({
    data: {
      slug: 'bench',
      name: 'Bench',
      basePath: '/bench',
      upstreamUrl,
      ownerTeamId: team.id,
      authMethods: ['oauth2_client_credentials', 'api_key'],
      routes: {
        create: [{ method: 'GET', pathPattern: '/items/{id}', requiredScopes: ['items:read'] }],
      },
      scopes: { create: [{ name: 'items:read' }] },
      plans: { create: [{ name: 'unlimited', ratePerSecond: 1_000_000, burst: 1_000_000 }] },
    },
    include: { plans: true },
  });
  const app = await prisma.application.create({
    data: { teamId: team.id, name: 'bench', createdById: user.id },
  });
  await prisma.subscription.create({
    data: {
      applicationId: app.id,
      apiId: api.id,
      planId: api.plans[0]!.id,
      environment: 'sandbox',
      status: 'approved',
      grantedScopes: ['items:read'],
    },
  });
  const clientId = generateClientId('sandbox');
  const clientSecret = generateClientSecret();
  await prisma.credential.create({
    data: {
      applicationId: app.id,
      environment: 'sandbox',
      kind: 'client_secret',
      clientId,
      keyId: `bench_${clientId.slice(-12)}`,
      secretHash: keyedHash(clientSecret, decodeHashKey(HASH_KEY)),
    },
  });
  await prisma.$disconnect();
  return { clientId, clientSecret };
}

function nginxConfig(dir: string, port: number, upstreamPort: number): string {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /bench/ {
      proxy_pass http://backend/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  return conf;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const upstreamPort = await freePort();
  const bareProxyPort = await freePort();
  const nginxPort = await freePort();
  const identityPort = await freePort();
  const gatewayPort = await freePort();
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const upstreamProcess = launch('upstream', process.execPath, [
    resolve(import.meta.dirname, 'upstream.ts'),
    String(upstreamPort),
  ]);
  const bareProxyProcess = launch('bare-proxy', process.execPath, [
    ...BARE_PROXY_NODE_ARGS,
    resolve(import.meta.dirname, 'bare-proxy.ts'),
    String(bareProxyPort),
    upstream,
  ]);
  const nginxDir = resolve(ROOT, '.var/bench/nginx');
  mkdirSync(nginxDir, { recursive: true });
  const nginxBinary = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'])
    .stdout.toString()
    .trim()
    .split('\n')[0];
  if (nginxBinary) {
    launch('nginx', nginxBinary, [
      '-p',
      nginxDir,
      '-c',
      nginxConfig(nginxDir, nginxPort, upstreamPort),
      '-g',
      'daemon off;',
    ]);
  }
  const { clientId, clientSecret } = await seed(upstream);
  await ensureTopics(
    createKafka({ brokers: KAFKA_BROKERS.split(','), clientId: 'bench' }),
    TOPIC_SPECS,
  ).catch((error: unknown) =>
    console.warn(`Kafka not reachable (${String(error)}); events will be spooled`),
  );
  const identityUrl = `http://127.0.0.1:${identityPort}`;
  const common = {
    DATABASE_URL,
    KAFKA_BROKERS,
    REDIS_URL,
    CREDENTIAL_HASH_KEY: HASH_KEY,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  };
  launch('identity', process.execPath, ['apps/identity/dist/main.js'], {
    ...common,
    IDENTITY_PORT: String(identityPort),
    IDENTITY_ISSUER: identityUrl,
    SPOOL_DIR: mkdtempSync(join(tmpdir(), 'bench-identity-')),
  });
  await waitFor(`${identityUrl}/healthz`, (status) => status === 200);
  const gatewayProcess = launch(
    'gateway',
    process.execPath,
    [...GATEWAY_NODE_ARGS, 'apps/gateway/dist/main.js'],
    {
      ...common,
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_PLAIN_HTTP: 'true',
      IDENTITY_URL: identityUrl,
      IDENTITY_ISSUER: identityUrl,
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'bench-gateway-')),
    },
  );
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  await Promise.all([
    waitFor(`${upstream}/`),
    waitFor(`http://127.0.0.1:${bareProxyPort}/bench/`),
    nginxBinary ? waitFor(`http://127.0.0.1:${nginxPort}/bench/`) : Promise.resolve(),
    // 401 means the snapshot is loaded and the pipeline answers.
    waitFor(`${gateway}/bench/items/1`, (status) => status === 401),
  ]);
  const tokenResponse = await fetch(`${identityUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: apiAudience('bench') }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  if (!token) throw new Error(`no token: ${tokenResponse.status}`);
  const auth = { authorization: `Bearer ${token}` };

  interface Target {
    key: string;
    name: string;
    url: string;
    headers: Record<string, string>;
    /** The process whose CPU time is counted per request (nginx: not measured). */
    server?: ChildProcess;
  }
  const targets: Target[] = [
    {
      key: 'direct',
      name: 'direct',
      url: `${upstream}/items/1`,
      headers: {},
      server: upstreamProcess,
    },
    {
      key: 'bare',
      name: 'bare Node proxy (@fastify/http-proxy)',
      url: `http://127.0.0.1:${bareProxyPort}/bench/items/1`,
      headers: {},
      server: bareProxyProcess,
    },
    ...(nginxBinary
      ? [
          {
            key: 'nginx',
            name: 'nginx proxy_pass',
            url: `http://127.0.0.1:${nginxPort}/bench/items/1`,
            headers: {},
          },
        ]
      : []),
    {
      key: 'portcullis',
      name: 'Portcullis (JWT, rate limit, events)',
      url: `${gateway}/bench/items/1`,
      headers: auth,
      server: gatewayProcess,
    },
  ];
  const results: Measured[] = [];
  for (const { key, name, url, headers, server } of targets) {
    if (!ONLY.has(key)) continue;
    await warm(url, headers);
    const measured = await load(name, url, headers, undefined, server);
    console.log(JSON.stringify(measured));
    results.push(measured);
  }
  if (!FULL_RUN) {
    // A partial run (BENCH_ONLY) is for exploring: it prints, and leaves RESULTS.md alone.
    if (ONLY.has('half') && results.length > 0) {
      const half = Math.max(1, Math.round(results.at(-1)!.rps / 2));
      console.log(JSON.stringify(await load(`direct @ ${half}`, `${upstream}/items/1`, {}, half)));
      const portcullisAtHalf = await load(
        `Portcullis @ ${half}`,
        `${gateway}/bench/items/1`,
        auth,
        half,
      );
      console.log(JSON.stringify(portcullisAtHalf));
    }
    return;
  }
  const portcullis = results.at(-1)!;
  const half = Math.max(1, Math.round(portcullis.rps / 2));
  const directHalf = await load(`direct @ ${half} req/s`, `${upstream}/items/1`, {}, half);
  // For context: what a proxy hop without any policy adds at the same rate.
  const bareHalf = await load(
    `bare Node proxy @ ${half} req/s`,
    `http://127.0.0.1:${bareProxyPort}/bench/items/1`,
    {},
    half,
  );
  const portcullisHalf = await load(
    `Portcullis @ ${half} req/s`,
    `${gateway}/bench/items/1`,
    auth,
    half,
  );
  console.log(JSON.stringify(directHalf));
  console.log(JSON.stringify(bareHalf));
  console.log(JSON.stringify(portcullisHalf));

  const bare = results[1]!;
  const ratio = portcullis.rps / bare.rps;
  const addedP99 = portcullisHalf.p99 - directHalf.p99;
  const row = (m: Measured) =>
    `| ${m.name} | ${m.rps} | ${m.p50} | ${m.p99} | ${m.errors} | ${m.non2xx} | ${m.cpuMicrosPerRequest ?? '—'} |`;
  const cpuRatio =
    portcullis.cpuMicrosPerRequest && bare.cpuMicrosPerRequest
      ? bare.cpuMicrosPerRequest / portcullis.cpuMicrosPerRequest
      : null;
  const report = `# Gateway benchmark results

Generated by \`node tools/bench/gateway/run.ts\` on ${new Date().toISOString()} — ${cpus().length} CPU(s)
(${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, autocannon ${CONNECTIONS} connections,
${DURATION} s per run after a 3 s warm-up, everything on one machine (load tool, proxies, upstream,
identity, Redis, Kafka share the cores; 1-minute load average ${loadAtStart.toFixed(1)} when the run
started, ${loadavg()[0]!.toFixed(1)} at its end). Portcullis over plain HTTP (GATEWAY_PLAIN_HTTP=true, like
the others), every request authenticated with a JWT (ES256; signature verified once per token,
then cached until expiry, revocation checked per request), authorized against its subscription and
scopes, rate limited against Redis (high plan limits; points leased from Redis in blocks), one
access event per request to Kafka (${KAFKA_BROKERS}), an X-Portcullis-Assertion (ES256, signed once
per caller and API, reused ≤ 30 s) and a server span per request (traces on, no exporter).${
    results.some((m) => m.name.startsWith('nginx'))
      ? ''
      : '\nnginx is not installed here, so its row is missing (`apt-get install -y nginx`).'
  }

| target | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${results.map(row).join('\n')}

Fixed rate (half of Portcullis' peak, ${half} req/s):

| target | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${row(directHalf)}
${row(bareHalf)}
${row(portcullisHalf)}

- Throughput vs the bare Node proxy: **${ratio.toFixed(2)}×** (target ≥ 0.8×) — ${ratio >= 0.8 ? 'met' : 'NOT met'}.
- CPU per request, bare Node proxy / Portcullis (the serving process only: the load tool, the
  upstream, Kafka and other work taken out): **${cpuRatio === null ? 'not measured' : `${cpuRatio.toFixed(2)}×`}**.
- p99 added over direct at half load: **${addedP99.toFixed(1)} ms** (target ≤ +2 ms) — ${addedP99 <= 2 ? 'met' : 'NOT met'} (the bare Node proxy adds ${(bareHalf.p99 - directHalf.p99).toFixed(1)} ms at the same rate).
${results
  .slice(1)
  .map((m) => `- ${m.name}: ${(m.rps / results[0]!.rps).toFixed(2)}× of direct throughput.`)
  .join('\n')}
`;
  // Everything from "## What changed" on is written by hand (what each change gave): keep it.
  const resultsFile = resolve(import.meta.dirname, 'RESULTS.md');
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  const handWritten = previous.indexOf(HAND_WRITTEN_HEADING);
  writeFileSync(
    resultsFile,
    handWritten === -1 ? report : `${report}\n${previous.slice(handWritten)}`,
  );
  // The tables come out unaligned; the repository keeps Markdown prettier-formatted.
  spawnSync('npx', ['prettier', '--write', resultsFile], { cwd: ROOT, stdio: 'ignore' });
  console.log(report);
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await sleep(500);
}
process.exit(0);
