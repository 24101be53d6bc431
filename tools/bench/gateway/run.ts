/**
 * Gateway benchmark: one run on this machine, same upstream and load tool (wrk, or autocannon
 * when wrk is not installed) for
 * (a) the upstream directly, (b) a bare Node reverse proxy (@fastify/http-proxy), (c) nginx
 * proxy_pass, (d) Portcullis with JWT auth, rate limiting and access events on.
 *
 *   npm run build && node tools/bench/gateway/run.ts
 *
 * Env: BENCH_DURATION (s, default 10), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 64),
 * BENCH_LOAD_TOOL (autocannon forces it over wrk), BENCH_DATABASE_URL (a database the run may
 * reset; default portcullis_bench_gateway), KAFKA_BROKERS (default 127.0.0.1:9092; events are
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
import type { Admin } from 'kafkajs';
import { apiAudience, TOPIC_SPECS, TOPICS } from '@portcullis/contracts';
import { createKafka, ensureTopics } from '@portcullis/kafka';
import {
  decodeHashKey,
  generateClientId,
  generateClientSecret,
  keyedHash,
} from '@portcullis/crypto';
import { createPrismaClient } from '@portcullis/db';
import { median } from '../median.ts';
import { mainThreadCpuMs, processCpuMs } from '../process-cpu.ts';
import { constantRate } from './constant-rate.ts';
import { HELD_TARGETS_FILE } from './held-targets.ts';
import type { LoadResult } from './load-result.ts';
import { hostSteadiness, MAX_DIRECT_SPREAD, type HostSteadiness } from './host-steadiness.ts';
import { inTurn } from './round-order.ts';
import { findWrk, wrk } from './wrk.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
/**
 * The targets take turns, round after round, and each row is the median round: on a shared
 * machine a slow minute then hits every target instead of whichever ran in it.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis_bench_gateway';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HASH_KEY = 'ZGV2LW9ubHktY3JlZGVudGlhbC1oYXNoLWtleS1jaGFuZ2UtbWU=';
const LOG_DIR = resolve(ROOT, '.var/logs');
/** The flags the gateway starts with everywhere (one file), so the benchmark measures it as run. */
const GATEWAY_START_FLAGS = readFileSync(resolve(ROOT, 'apps/gateway/node-flags.txt'), 'utf8');
/**
 * Node flags for the gateway (default: its start flags), e.g. `--no-allocation-site-pretenuring
 * --cpu-prof --cpu-prof-dir=.var/prof` to profile it.
 */
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? GATEWAY_START_FLAGS)
  .split(/\s+/)
  .filter(Boolean);
/**
 * Node flags for a second gateway measured right after the first in every round (target
 * `variant`, partial runs only): an A/B of a start option in the same minutes, e.g.
 * `BENCH_ONLY=direct,bare,portcullis,variant,half BENCH_GATEWAY_VARIANT_NODE_ARGS=--v8-pool-size=1`.
 */
const GATEWAY_VARIANT_NODE_ARGS =
  process.env.BENCH_GATEWAY_VARIANT_NODE_ARGS?.split(' ').filter(Boolean);
/** The same for the bare Node proxy, to profile the baseline alongside. */
const BARE_PROXY_NODE_ARGS = (process.env.BENCH_BARE_PROXY_NODE_ARGS ?? '')
  .split(' ')
  .filter(Boolean);
/** Comma-separated subset of direct,bare,nginx,portcullis,variant,half (default: all but variant). */
const FULL_RUN = process.env.BENCH_ONLY === undefined;
if (FULL_RUN && GATEWAY_VARIANT_NODE_ARGS) {
  throw new Error('BENCH_GATEWAY_VARIANT_NODE_ARGS is for partial runs (set BENCH_ONLY)');
}
if (process.env.BENCH_ONLY?.split(',').includes('variant') && !GATEWAY_VARIANT_NODE_ARGS) {
  throw new Error('the variant target needs BENCH_GATEWAY_VARIANT_NODE_ARGS (empty for no flags)');
}
/**
 * The peak-load tool: wrk when installed (`apt-get install -y wrk`), else autocannon;
 * BENCH_LOAD_TOOL=autocannon forces autocannon.
 */
const WRK = process.env.BENCH_LOAD_TOOL === 'autocannon' ? null : findWrk();
const LOAD_TOOL = WRK ? 'wrk' : 'autocannon';
const HAND_WRITTEN_HEADING = '## What changed';
/** The issue's targets: throughput against the bare proxy, p99 added over direct at half load. */
const THROUGHPUT_TARGET = 0.8;
const ADDED_P99_BUDGET_MS = 2;
/**
 * Each round starts the bare proxy and the gateways afresh (BENCH_FRESH_PROCESSES=0: one process
 * each for the whole run). A process keeps its own luck for as long as it lives (JIT decisions,
 * heap layout, which core it lands on): two copies of one build differed by 0.03–0.1 in the ratio
 * for all the rounds of a run, so rounds of one process were not independent samples.
 */
const FRESH_PROCESSES = process.env.BENCH_FRESH_PROCESSES !== '0';
/** BENCH_HOLD=1: start every target, describe them in .var/bench/targets.json and wait. */
const HOLD = process.env.BENCH_HOLD === '1';
const ONLY = new Set((process.env.BENCH_ONLY ?? 'direct,bare,nginx,portcullis,half').split(','));
const children: ChildProcess[] = [];

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time the serving process spent per request (all its threads); null when not measured. */
  cpuMicrosPerRequest: number | null;
  /** The same for its main thread alone (Node's event loop). */
  mainThreadCpuMicrosPerRequest?: number | null;
  /** Requests answered. */
  total: number;
  /** Answered in a fixed-rate run's warm-up (not measured, but each leaves an access event). */
  warmupTotal?: number;
  /** For a median row: the value it was chosen by, in every round. */
  rounds?: number[];
}

/** The round whose `by` is the median (the lower middle one for an even count). */
function medianRound(rounds: readonly Measured[], by: (m: Measured) => number): Measured {
  const sorted = [...rounds].sort((a, b) => by(a) - by(b));
  const chosen = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!chosen) throw new Error('no rounds measured');
  return { ...chosen, rounds: rounds.map(by) };
}

/** Access events on Kafka so far (sum of the topic's partition end offsets); null without Kafka. */
async function accessEventsOnKafka(admin: Admin): Promise<number | null> {
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(TOPICS.accessEvents);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } catch {
    return null;
  }
}

/** Waits (up to 30 s) until Kafka holds an access event for each request Portcullis answered. */
async function eventsArrived(
  admin: Admin,
  before: number,
  requests: number,
): Promise<{ requests: number; events: number }> {
  const deadline = Date.now() + 30_000;
  let events = 0;
  do {
    events = ((await accessEventsOnKafka(admin)) ?? before) - before;
    if (events >= requests) break;
    await sleep(500);
  } while (Date.now() < deadline);
  return { requests, events };
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

/** SIGTERM, and SIGKILL if it has not exited after 30 s (a gateway drains and flushes first). */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
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

/** Peak load: a closed loop (every connection sends again as soon as it is answered). */
async function load(
  name: string,
  url: string,
  headers: Record<string, string>,
  server?: ChildProcess,
): Promise<Measured> {
  const cpuBefore = processCpuMs(server?.pid);
  const mainThreadBefore = mainThreadCpuMs(server?.pid);
  const result = await closedLoop(url, headers, DURATION);
  return {
    name,
    ...result,
    cpuMicrosPerRequest: cpuPerRequest(cpuBefore, processCpuMs(server?.pid), result.total),
    mainThreadCpuMicrosPerRequest: cpuPerRequest(
      mainThreadBefore,
      mainThreadCpuMs(server?.pid),
      result.total,
    ),
  };
}

async function closedLoop(
  url: string,
  headers: Record<string, string>,
  durationSeconds: number,
): Promise<LoadResult> {
  if (WRK) {
    return wrk({ binary: WRK, url, headers, connections: CONNECTIONS, durationSeconds });
  }
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationSeconds,
    headers,
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

function cpuPerRequest(before: number | null, after: number | null, requests: number) {
  if (before === null || after === null || requests === 0) return null;
  return Math.round(((after - before) * 1000) / requests);
}

/** Returns the requests answered. */
async function warm(url: string, headers: Record<string, string>): Promise<number> {
  return (await closedLoop(url, headers, 3)).total;
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
  const variantPort = await freePort();
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const upstreamProcess = launch('upstream', process.execPath, [
    resolve(import.meta.dirname, 'upstream.ts'),
    String(upstreamPort),
  ]);
  const launchBareProxy = () =>
    launch('bare-proxy', process.execPath, [
      ...BARE_PROXY_NODE_ARGS,
      resolve(import.meta.dirname, 'bare-proxy.ts'),
      String(bareProxyPort),
      upstream,
    ]);
  const bareProxyProcess = launchBareProxy();
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
  const launchGateway = (name: string, port: number, nodeArgs: string[]) =>
    launch(name, process.execPath, [...nodeArgs, 'apps/gateway/dist/main.js'], {
      ...common,
      GATEWAY_PORT: String(port),
      GATEWAY_PLAIN_HTTP: 'true',
      IDENTITY_URL: identityUrl,
      IDENTITY_ISSUER: identityUrl,
      SPOOL_DIR: mkdtempSync(join(tmpdir(), `bench-${name}-`)),
    });
  const gatewayProcess = launchGateway('gateway', gatewayPort, GATEWAY_NODE_ARGS);
  const variantProcess = GATEWAY_VARIANT_NODE_ARGS
    ? launchGateway('gateway-variant', variantPort, GATEWAY_VARIANT_NODE_ARGS)
    : undefined;
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  await Promise.all([
    waitFor(`${upstream}/`),
    waitFor(`http://127.0.0.1:${bareProxyPort}/bench/`),
    nginxBinary ? waitFor(`http://127.0.0.1:${nginxPort}/bench/`) : Promise.resolve(),
    // 401 means the snapshot is loaded and the pipeline answers.
    waitFor(`${gateway}/bench/items/1`, (status) => status === 401),
    variantProcess
      ? waitFor(`http://127.0.0.1:${variantPort}/bench/items/1`, (status) => status === 401)
      : Promise.resolve(),
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
    /** Starts the serving process again and resolves once it answers (the proxies only). */
    restart?: () => Promise<ChildProcess>;
  }
  /** Stops a serving process (a gateway flushes its events first) and starts a new one. */
  const relaunch =
    (
      current: () => ChildProcess | undefined,
      start: () => ChildProcess,
      ready: () => Promise<void>,
    ) =>
    async () => {
      await stopChild(current());
      const next = start();
      await ready();
      return next;
    };
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
      restart: relaunch(
        () => targetNamed('bare').server,
        launchBareProxy,
        () => waitFor(`http://127.0.0.1:${bareProxyPort}/bench/`),
      ),
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
      restart: relaunch(
        () => targetNamed('portcullis').server,
        () => launchGateway('gateway', gatewayPort, GATEWAY_NODE_ARGS),
        () => waitFor(`${gateway}/bench/items/1`, (status) => status === 401),
      ),
    },
    ...(variantProcess && GATEWAY_VARIANT_NODE_ARGS
      ? [
          {
            key: 'variant',
            name: `Portcullis variant (${GATEWAY_VARIANT_NODE_ARGS.join(' ') || 'no node flags'})`,
            url: `http://127.0.0.1:${variantPort}/bench/items/1`,
            headers: auth,
            server: variantProcess,
            restart: relaunch(
              () => targetNamed('variant').server,
              () => launchGateway('gateway-variant', variantPort, GATEWAY_VARIANT_NODE_ARGS),
              () =>
                waitFor(
                  `http://127.0.0.1:${variantPort}/bench/items/1`,
                  (status) => status === 401,
                ),
            ),
          },
        ]
      : []),
  ];
  /** Gateways whose every answered request must leave an access event. */
  const gatewayKeys = new Set(['portcullis', 'variant']);
  const targetNamed = (key: string): Target => {
    const target = targets.find((candidate) => candidate.key === key);
    if (!target) throw new Error(`no target ${key}`);
    return target;
  };
  if (HOLD) {
    // For measuring by hand: each target's URL, headers (the token) and serving process id.
    const file = HELD_TARGETS_FILE;
    const described = targets.map(({ server, ...target }) => ({ ...target, pid: server?.pid }));
    writeFileSync(file, JSON.stringify(described, null, 2));
    console.log(`everything is up; the targets are in ${file}; Ctrl-C stops them`);
    await new Promise((stop) => {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return;
  }
  const kafkaAdmin = createKafka({ brokers: KAFKA_BROKERS.split(','), clientId: 'bench' }).admin();
  const eventsBefore = await accessEventsOnKafka(kafkaAdmin);
  /** Requests Portcullis answered (warm-ups included): each must leave one access event. */
  let gatewayRequests = 0;
  const measure = async (target: Target, round: number): Promise<Measured> => {
    const measured = await load(target.name, target.url, target.headers, target.server);
    if (gatewayKeys.has(target.key)) gatewayRequests += measured.total;
    console.log(JSON.stringify({ round, ...measured }));
    return measured;
  };

  /** Before every round but the run's first: new processes for the targets measured in it. */
  const freshen = async (round: number, keys: readonly string[]): Promise<Target[]> => {
    if (!FRESH_PROCESSES || round === 1) return [];
    const restarted: Target[] = [];
    for (const target of targets) {
      if (target.restart && ONLY.has(target.key) && keys.includes(target.key)) {
        target.server = await target.restart();
        restarted.push(target);
      }
    }
    return restarted;
  };

  const peakRounds = new Map<string, Measured[]>();
  for (let round = 1; round <= ROUNDS; round += 1) {
    await freshen(
      round,
      targets.map((target) => target.key),
    );
    for (const target of inTurn(targets, round)) {
      if (!ONLY.has(target.key)) continue;
      const warmed = await warm(target.url, target.headers);
      if (gatewayKeys.has(target.key)) gatewayRequests += warmed;
      peakRounds.set(target.key, [
        ...(peakRounds.get(target.key) ?? []),
        await measure(target, round),
      ]);
    }
  }
  // In the targets' order (direct first), whatever order they ran in.
  const results = targets.flatMap((target) => {
    const rounds = peakRounds.get(target.key);
    return rounds ? [medianRound(rounds, (m) => m.rps)] : [];
  });
  const bareRounds = peakRounds.get('bare') ?? [];
  const portcullisRounds = peakRounds.get('portcullis') ?? [];
  // Each round's ratio compares two runs a few seconds apart; the median of those is the result.
  const roundRatios = portcullisRounds.map((m, index) => m.rps / (bareRounds[index]?.rps ?? NaN));
  const ratio = median(roundRatios);
  const portcullis = results.find((m) => m.name === targetNamed('portcullis').name);

  let halfLoad:
    | { rate: number; direct: Measured; bare: Measured; portcullis: Measured; variant?: Measured }
    | undefined;
  if (portcullis && ONLY.has('half')) {
    const rate = Math.max(1, Math.round(portcullis.rps / 2));
    const halfRounds = new Map<string, Measured[]>();
    for (let round = 1; round <= ROUNDS; round += 1) {
      const halfTargets = ['direct', 'bare', 'portcullis', 'variant']
        .filter((key) => key !== 'variant' || ONLY.has(key))
        .map(targetNamed);
      // The peak rounds' last processes serve the first half-load round. A new one gets the peak
      // runs' warm-up first: the fixed-rate driver's own 2 s leave its code cold (p99s of 100 ms+).
      const restarted = await freshen(
        round,
        halfTargets.map((target) => target.key),
      );
      for (const target of restarted) {
        const warmed = await warm(target.url, target.headers);
        if (gatewayKeys.has(target.key)) gatewayRequests += warmed;
      }
      for (const target of inTurn(halfTargets, round)) {
        const key = target.key;
        const measured: Measured = {
          name: `${target.name} @ ${rate} req/s`,
          cpuMicrosPerRequest: null,
          ...(await constantRate({
            url: target.url,
            headers: target.headers,
            rate,
            durationSeconds: DURATION,
            connections: CONNECTIONS,
          })),
        };
        if (gatewayKeys.has(key)) gatewayRequests += measured.total + (measured.warmupTotal ?? 0);
        console.log(JSON.stringify({ round, rate, ...measured }));
        halfRounds.set(key, [...(halfRounds.get(key) ?? []), measured]);
      }
    }
    const at = (key: string) => medianRound(halfRounds.get(key) ?? [], (m) => m.p99);
    halfLoad = { rate, direct: at('direct'), bare: at('bare'), portcullis: at('portcullis') };
    if (halfRounds.has('variant')) halfLoad.variant = at('variant');
  }
  const events =
    eventsBefore === null || gatewayRequests === 0
      ? null
      : await eventsArrived(kafkaAdmin, eventsBefore, gatewayRequests);
  await kafkaAdmin.disconnect();
  if (events) console.log(JSON.stringify({ accessEvents: events }));

  if (!FULL_RUN) {
    // A partial run (BENCH_ONLY) is for exploring: it prints, and leaves RESULTS.md alone.
    for (const key of ['portcullis', 'variant']) {
      const ours = peakRounds.get(key) ?? [];
      if (bareRounds.length === 0 || ours.length === 0) continue;
      const ratios = ours.map((m, index) => m.rps / (bareRounds[index]?.rps ?? NaN));
      console.log(
        `${targetNamed(key).name} / bare proxy: median ${median(ratios).toFixed(2)}× (rounds: ${ratios
          .map((r) => r.toFixed(2))
          .join(', ')})`,
      );
    }
    if (halfLoad) {
      const { rate, direct } = halfLoad;
      for (const measured of [halfLoad.bare, halfLoad.portcullis, halfLoad.variant]) {
        if (!measured) continue;
        const byRound = (measured.rounds ?? []).join(' / ');
        console.log(
          `p99 added over direct at ${rate} req/s, ${measured.name}: ${(measured.p99 - direct.p99).toFixed(1)} ms (p99 by round: ${byRound})`,
        );
      }
    }
    const directRounds = peakRounds.get('direct') ?? [];
    if (directRounds.length > 0) {
      const host = hostSteadiness(
        directRounds.map((m) => m.rps),
        halfLoad ? halfLoad.bare.p99 - halfLoad.direct.p99 : null,
        ADDED_P99_BUDGET_MS,
      );
      console.log(describeHost(host));
    }
    return;
  }
  if (!portcullis || !halfLoad || !events) throw new Error('a full run measures every row');
  const { direct: directHalf, bare: bareHalf, portcullis: portcullisHalf, rate: half } = halfLoad;
  const bare = results.find((m) => m.name === targetNamed('bare').name);
  if (!bare) throw new Error('a full run measures every row');
  const addedP99 = portcullisHalf.p99 - directHalf.p99;
  const host = hostSteadiness(
    (peakRounds.get('direct') ?? []).map((m) => m.rps),
    bareHalf.p99 - directHalf.p99,
    ADDED_P99_BUDGET_MS,
  );
  const row = (m: Measured) =>
    `| ${m.name} | ${m.rps} | ${m.p50} | ${m.p99} | ${m.errors} | ${m.non2xx} | ${m.cpuMicrosPerRequest ?? '—'} | ${m.mainThreadCpuMicrosPerRequest ?? '—'} | ${(m.rounds ?? []).join(' / ')} |`;
  // Like throughput, CPU per request is compared within each round, then the median taken: a
  // slow spell of the machine inflates every process' CPU time while it lasts.
  const roundsCpuRatio = (cpu: (m: Measured) => number | null | undefined): number | null => {
    const ratios = portcullisRounds.flatMap((m, index) => {
      const ours = cpu(m);
      const theirs = bareRounds[index] ? cpu(bareRounds[index]) : null;
      return ours && theirs ? [theirs / ours] : [];
    });
    return ratios.length > 0 ? median(ratios) : null;
  };
  const cpuRatio = roundsCpuRatio((m) => m.cpuMicrosPerRequest);
  const mainThreadRatio = roundsCpuRatio((m) => m.mainThreadCpuMicrosPerRequest);
  const busyShare = (m: Measured) =>
    m.mainThreadCpuMicrosPerRequest
      ? `${Math.round((m.rps * m.mainThreadCpuMicrosPerRequest) / 1e4)} %`
      : 'not measured';
  const report = `# Gateway benchmark results

Generated by \`node tools/bench/gateway/run.ts\` on ${new Date().toISOString()} — ${cpus().length} CPU(s)
(${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${LOAD_TOOL} ${CONNECTIONS} connections,
${ROUNDS} rounds in which the targets take turns (each row is the median round; the bare proxy and
Portcullis run last, back to back, swapping order every round${FRESH_PROCESSES ? ', each round with both started afresh' : ''}), ${DURATION} s
per run after a 3 s warm-up, everything on one machine (load tool, proxies, upstream,
identity, Redis, Kafka share the cores; 1-minute load average ${loadAtStart.toFixed(1)} when the run
started, ${loadavg()[0]!.toFixed(1)} at its end). Portcullis over plain HTTP (GATEWAY_PLAIN_HTTP=true, like
the others), every request authenticated with a JWT (ES256; signature checked once per token and
the outcome kept, expiry and revocation checked per request), authorized against its subscription and
scopes, rate limited against Redis (high plan limits; points leased from Redis in blocks), one
access event per request to Kafka (${KAFKA_BROKERS}), an X-Portcullis-Assertion (ES256, signed once
per caller and API, reused ≤ 30 s) and a server span per request (traces on, no exporter); the
gateway started as \`${['node', ...GATEWAY_NODE_ARGS, 'apps/gateway/dist/main.js'].join(' ')}\`.${
    results.some((m) => m.name.startsWith('nginx'))
      ? ''
      : '\nnginx is not installed here, so its row is missing (`apt-get install -y nginx`).'
  }

| target | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req | main thread µs/req | req/s by round |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${results.map(row).join('\n')}

Fixed rate (half of Portcullis' peak, ${half} req/s):

| target | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req | main thread µs/req | p99 ms by round |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${row(directHalf)}
${row(bareHalf)}
${row(portcullisHalf)}

- Throughput vs the bare Node proxy: **${ratio.toFixed(2)}×** (target ≥ ${THROUGHPUT_TARGET}×) — ${ratio >= THROUGHPUT_TARGET ? 'met' : 'NOT met'}${host.throughputDecidable ? '' : ' on an unsteady host (below), so not a verdict'}; the median of the rounds' ratios (${roundRatios.map((r) => `${r.toFixed(2)}×`).join(', ')}).
- Access events: **${events.events}** on Kafka for ${events.requests} requests Portcullis answered (warm-ups and the fixed-rate runs included; up to ${CONNECTIONS} more per peak run were in flight when the load tool stopped and are not counted)${events.events >= events.requests ? '' : ' — MISSING EVENTS'}.
- CPU per request, bare Node proxy / Portcullis, median of the rounds' ratios (the serving process only: the load tool, the
  upstream, Kafka and other work taken out): **${cpuRatio === null ? 'not measured' : `${cpuRatio.toFixed(2)}×`}** for all its threads
  (Portcullis' include its event producer thread), **${mainThreadRatio === null ? 'not measured' : `${mainThreadRatio.toFixed(2)}×`}** for the main thread alone (the event
  loop, which bounds one process' throughput).
- Main thread busy at peak (req/s × main-thread CPU per request): bare Node proxy **${busyShare(bare)}**, Portcullis **${busyShare(portcullis)}**; below 100 % the event loop waited (for the upstream, or for a core the other processes and threads held).
- p99 added over direct at half load: **${addedP99.toFixed(1)} ms** (target ≤ +${ADDED_P99_BUDGET_MS} ms) — ${addedP99 <= ADDED_P99_BUDGET_MS ? 'met' : 'NOT met'} (the bare Node proxy adds ${(bareHalf.p99 - directHalf.p99).toFixed(1)} ms at the same rate).
- ${describeHost(host)}
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

/** What the host allowed this run to decide; neither check looks at Portcullis itself. */
function describeHost(host: HostSteadiness): string {
  const spread = `${Math.round(host.directSpread * 100)} %`;
  const throughput = host.throughputDecidable
    ? `Host steady enough for the throughput ratio: direct's peak varied ${spread} across the rounds (max − min over the median; at most ${MAX_DIRECT_SPREAD * 100} %).`
    : `Host NOT steady enough for the throughput ratio: direct's peak varied ${spread} across the rounds (max − min over the median; more than ${MAX_DIRECT_SPREAD * 100} %), so the host's swings, not the gateways, set the rounds' ratios — repeat on a steadier host.`;
  if (host.bareAddedP99Ms === null) return throughput;
  const tail = host.tailDecidable
    ? `The bare Node proxy stays within the ${ADDED_P99_BUDGET_MS} ms tail budget here (+${host.bareAddedP99Ms.toFixed(1)} ms), so this host can decide the tail target.`
    : `The bare Node proxy itself adds ${host.bareAddedP99Ms.toFixed(1)} ms at half load, more than the ${ADDED_P99_BUDGET_MS} ms budget: on this host no Node proxy meets the tail target, so its verdict says how far off Portcullis is, not whether it could meet it elsewhere.`;
  return `${throughput} ${tail}`;
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await sleep(500);
}
process.exit(0);
