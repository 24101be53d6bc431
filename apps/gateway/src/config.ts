import { hostname } from 'node:os';
import {
  base64KeyVar,
  booleanVar,
  ConfigError,
  kafkaEnv,
  loadConfig,
  positiveIntVar,
  redisEnv,
  secretVar,
  serviceEnv,
  servicePorts,
  urlVar,
} from '@portcullis/config';
import { z } from 'zod';

// Development-only defaults, shared with identity's dev defaults; production refuses them.
const DEV_HASH_KEY = 'ZGV2LW9ubHktY3JlZGVudGlhbC1oYXNoLWtleS1jaGFuZ2UtbWU=';
const DEV_GATEWAY_TOKEN = 'pcl_svc_dev_gateway_token_change_me_0000000000';

export const gatewayEnv = {
  ...serviceEnv,
  ...kafkaEnv,
  ...redisEnv,
  GATEWAY_PORT: servicePorts.GATEWAY_PORT,
  /** Where the gateway reads its configuration snapshot and the JWKS. */
  IDENTITY_URL: urlVar('http://127.0.0.1:3001', ['http', 'https']),
  /** The `iss` identity puts in access tokens. */
  IDENTITY_ISSUER: urlVar('http://127.0.0.1:3001', ['http', 'https']),
  /** Identity's JWKS; default `<IDENTITY_URL>/.well-known/jwks.json`. */
  IDENTITY_JWKS_URL: urlVar(undefined, ['http', 'https']).optional(),
  /**
   * While the JWKS cannot be read, tokens are still verified with the last keys read for this long
   * after they were last current (0: never, every new token is refused with 503 meanwhile).
   */
  IDENTITY_JWKS_MAX_STALE_SECONDS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .default(86_400),
  /** This gateway's service token for identity (`gateway=<token>` in identity's IDENTITY_SERVICE_TOKENS). */
  GATEWAY_SERVICE_TOKEN: secretVar(32, DEV_GATEWAY_TOKEN),
  /** Same key as identity's: API keys and client secrets are compared as keyed hashes. */
  CREDENTIAL_HASH_KEY: base64KeyVar('CREDENTIAL_HASH_KEY', 32, {
    developmentDefault: DEV_HASH_KEY,
  }),
  /** Serve plain HTTP instead of HTTPS (behind a TLS-terminating load balancer, or locally). */
  GATEWAY_PLAIN_HTTP: booleanVar(false),
  /** PEM files for HTTPS; without them a self-signed certificate is generated at start. */
  GATEWAY_TLS_CERT_FILE: z.string().min(1).optional(),
  GATEWAY_TLS_KEY_FILE: z.string().min(1).optional(),
  /** PKCS#8 PEM of an EC P-256 key that signs X-Portcullis-Assertion; generated at start if unset. */
  GATEWAY_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** `iss` of the gateway assertion. */
  GATEWAY_ISSUER: z.string().min(1).default('urn:portcullis:gateway'),
  /** Names this instance in access events and its config-change consumer group. */
  GATEWAY_ID: z.string().min(1).max(128).default(`gateway-${hostname()}-${process.pid}`),
  /** Safety net: re-read the whole snapshot this often even when no change event arrives. */
  GATEWAY_SNAPSHOT_REFRESH_SECONDS: positiveIntVar(60),
  /** Consecutive upstream failures that open an upstream's circuit. */
  GATEWAY_CIRCUIT_FAILURES: positiveIntVar(5),
  /** How long an open circuit waits before letting one trial request through. */
  GATEWAY_CIRCUIT_COOLDOWN_MS: positiveIntVar(10_000),
  /** Memory for the response cache of all APIs together (bytes, LRU); per API it is opt-in. */
  GATEWAY_CACHE_MAX_BYTES: positiveIntVar(64 * 1024 * 1024),
  /**
   * How long access events wait to fill a batch before they go to Kafka. Fewer, larger produce
   * requests cost the gateway and the brokers less CPU per event; audit sees events this much later.
   * 200 rather than 50: a shorter p99 tail and more throughput at once (tools/bench/gateway/RESULTS.md,
   * 28 November); a full batch (500 events) goes without waiting.
   */
  GATEWAY_EVENTS_LINGER_MS: positiveIntVar(200),
  /**
   * How much lower than the event loop the thread that batches and sends access events runs, like
   * `nice -n` (Linux; 0 = the same priority, 19 = lowest). Lowered so that on a contended core the
   * event loop, which serves requests, runs first and the producer takes what is spare: a shorter
   * p99 tail at half load (tools/bench/gateway/RESULTS.md, 29 November). At 10 a contended core
   * gives the producer about a tenth of the event loop's time; on a host with no spare core at all
   * events then queue in memory, so set 0 there.
   */
  GATEWAY_EVENTS_THREAD_NICENESS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be from 0 to 19')
    .max(19, 'must be from 0 to 19')
    .default(10),
  /** Longest time graceful shutdown waits for in-flight requests. */
  GATEWAY_SHUTDOWN_TIMEOUT_MS: positiveIntVar(10_000),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(gatewayEnv, env);
  if (config.NODE_ENV === 'production') {
    const problems: { variable: string; problem: string }[] = [];
    if (config.CREDENTIAL_HASH_KEY === DEV_HASH_KEY) {
      problems.push({ variable: 'CREDENTIAL_HASH_KEY', problem: 'must not be the dev default' });
    }
    if (config.GATEWAY_SERVICE_TOKEN === DEV_GATEWAY_TOKEN) {
      problems.push({ variable: 'GATEWAY_SERVICE_TOKEN', problem: 'must not be the dev default' });
    }
    if (problems.length > 0) throw new ConfigError(problems);
  }
  if (Boolean(config.GATEWAY_TLS_CERT_FILE) !== Boolean(config.GATEWAY_TLS_KEY_FILE)) {
    throw new ConfigError([
      {
        variable: 'GATEWAY_TLS_CERT_FILE',
        problem: 'set both GATEWAY_TLS_CERT_FILE and _KEY_FILE',
      },
    ]);
  }
  return {
    ...config,
    IDENTITY_JWKS_URL:
      config.IDENTITY_JWKS_URL ?? new URL('/.well-known/jwks.json', config.IDENTITY_URL).href,
  };
}
