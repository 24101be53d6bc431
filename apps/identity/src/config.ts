import {
  base64KeyListVar,
  base64KeyVar,
  booleanVar,
  ConfigError,
  databaseEnv,
  isAddressOrRange,
  kafkaEnv,
  loadConfig,
  positiveIntVar,
  redisEnv,
  serviceEnv,
  servicePorts,
  trustedProxiesVar,
  urlVar,
} from '@portcullis/config';
import { isIP } from 'node:net';
import { z } from 'zod';

// Development-only defaults: production refuses to start with them (see assertProductionSafe).
const DEV_MASTER_KEY = 'ZGV2LW9ubHktbWFzdGVyLWtleS1jaGFuZ2UtbWUtcGxlYXNlISE=';
const DEV_HASH_KEY = 'ZGV2LW9ubHktY3JlZGVudGlhbC1oYXNoLWtleS1jaGFuZ2UtbWU=';
const DEV_SERVICE_TOKENS =
  'gateway=pcl_svc_dev_gateway_token_change_me_0000000000,audit=pcl_svc_dev_audit_token_change_me_00000000000,portal=pcl_svc_dev_portal_token_change_me_0000000000';

export const identityEnv = {
  ...serviceEnv,
  ...databaseEnv,
  ...kafkaEnv,
  ...redisEnv,
  IDENTITY_PORT: servicePorts.IDENTITY_PORT,
  /** Proxies whose X-Forwarded-For names the client (the portal, a load balancer); none by default. */
  TRUSTED_PROXIES: trustedProxiesVar(),
  /** The `iss` of every token and the base of the metadata document's URLs. */
  IDENTITY_ISSUER: urlVar('http://127.0.0.1:3001', ['http', 'https']),
  /** base64 of 32+ random bytes: encrypts signing keys and TOTP secrets at rest. */
  IDENTITY_MASTER_KEY: base64KeyVar('IDENTITY_MASTER_KEY', 32, {
    developmentDefault: DEV_MASTER_KEY,
  }),
  /**
   * Earlier master keys (comma-separated, each like IDENTITY_MASTER_KEY), read only to open what
   * was sealed under them, while `npm run rotate-master-key` re-seals it under the current one.
   */
  IDENTITY_MASTER_KEY_PREVIOUS: base64KeyListVar(32),
  /** base64 of 32+ random bytes: keyed hash of API keys, client secrets and session tokens (shared with the gateway). */
  CREDENTIAL_HASH_KEY: base64KeyVar('CREDENTIAL_HASH_KEY', 32, {
    developmentDefault: DEV_HASH_KEY,
  }),
  /** `name=token` pairs for the services that call identity (gateway, audit, portal). */
  IDENTITY_SERVICE_TOKENS: z
    .string()
    .default(DEV_SERVICE_TOKENS)
    .transform((value, context) => {
      const tokens = new Map<string, string>();
      for (const pair of value.split(',')) {
        const [name, token] = pair.split('=').map((part) => part.trim());
        if (!name || !token || token.length < 32) {
          context.addIssue({
            code: 'custom',
            message: 'must be comma-separated name=token pairs, each token 32+ characters',
          });
          return z.NEVER;
        }
        tokens.set(name, token);
      }
      return tokens;
    }),
  /** Require TOTP two-factor sign-in for approvers, security and admins. */
  IDENTITY_REQUIRE_MFA: booleanVar(false),
  SESSION_TTL_SECONDS: positiveIntVar(8 * 60 * 60),
  /** Default access-token lifetime when an API sets none. */
  ACCESS_TOKEN_TTL_SECONDS: positiveIntVar(900),
  /** Signing algorithm for new keys: ES256 (default), EdDSA or RS256. */
  SIGNING_ALG: z.enum(['ES256', 'EdDSA', 'RS256']).default('ES256'),
  SIGNING_KEY_ROTATION_DAYS: positiveIntVar(30),
  /** How long a new signing key is published in the JWKS before it signs (longer than verifiers' JWKS cache). */
  SIGNING_KEY_PUBLISH_AHEAD_SECONDS: positiveIntVar(3600),
  /** How often each replica checks the signing-key schedule and reloads the keys. */
  SIGNING_KEY_CHECK_INTERVAL_SECONDS: positiveIntVar(60),
  /** PEM certificate and key: when both are set, identity also serves HTTPS asking for client certificates (RFC 8705). */
  IDENTITY_TLS_CERT_FILE: z.string().optional(),
  IDENTITY_TLS_KEY_FILE: z.string().optional(),
  /** Port of the mutual-TLS listener (0 picks a free one). */
  IDENTITY_MTLS_PORT: z.coerce.number().int().min(0).max(65535).default(3443),
  /** Public base URL of the mutual-TLS listener, for `mtls_endpoint_aliases` (default: https://<issuer host>:<port>). */
  IDENTITY_MTLS_URL: urlVar(undefined, ['https']).optional(),
  /** Failed client authentications allowed per client id from one address per window (an address gets 5×). */
  CLIENT_AUTH_MAX_FAILURES: positiveIntVar(10),
  CLIENT_AUTH_FAILURE_WINDOW_SECONDS: positiveIntVar(300),
  /** How stale the token endpoint's view of credentials and subscriptions may be on other replicas (0 = check every request). */
  TOKEN_CACHE_MAX_STALENESS_MS: z.coerce.number().int().min(0).max(5_000).default(250),
  /** How long a password reset token an admin issued stays redeemable. */
  PASSWORD_RESET_TTL_SECONDS: positiveIntVar(24 * 60 * 60),
  /** How long a device stays known after its last successful sign-in (days). */
  SIGN_IN_DEVICE_TTL_DAYS: z.coerce.number().int().min(1).max(400).default(90),
  /**
   * Failed sign-ins (from new devices, or for unknown e-mails) one address may have in the window;
   * one more, and it may not sign in from new devices until the window ends (credential stuffing).
   */
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: positiveIntVar(30),
  SIGN_IN_ADDRESS_WINDOW_SECONDS: positiveIntVar(900),
  /**
   * "No such user" answers one person may get from adding team members by e-mail in
   * TEAM_MEMBER_LOOKUP_WINDOW_SECONDS; past that, adding members answers 429 until the window ends
   * (the answers tell whether an account exists).
   */
  TEAM_MEMBER_LOOKUP_MAX_MISSES: positiveIntVar(20),
  TEAM_MEMBER_LOOKUP_WINDOW_SECONDS: positiveIntVar(3600),
  /**
   * Who may create an account: `open` (anyone; only addresses at SIGN_UP_EMAIL_DOMAINS when set)
   * or `invitation` (only with a code an admin issued for that address).
   */
  SIGN_UP_MODE: z.enum(['open', 'invitation']).default('open'),
  /**
   * E-mail domains open sign-up accepts (comma-separated, matched exactly: `example.com` does
   * not admit `eng.example.com`); empty accepts any. An invitation admits any address.
   */
  SIGN_UP_EMAIL_DOMAINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim().toLowerCase().replace(/^@/, ''))
        .filter(Boolean),
    )
    .refine((entries) => entries.every((entry) => isIP(entry) === 0 && isHostOrRange(entry)), {
      error: 'must be comma-separated domain names (example.com)',
    }),
  /** How long an invitation to sign up stays redeemable (default 7 days). */
  INVITATION_TTL_SECONDS: positiveIntVar(7 * 24 * 60 * 60),
  /** How often each replica sweeps credentials past expiry or grace, and lapsed suspensions (0 = never). */
  CREDENTIAL_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  /**
   * Host names, IP addresses or CIDR ranges webhooks may reach although they are loopback,
   * private, link-local or otherwise internal (comma-separated). Loopback is also allowed when
   * NODE_ENV is development or test.
   */
  WEBHOOK_ALLOWED_PRIVATE_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(isHostOrRange), {
      error: 'must be comma-separated host names, IP addresses or CIDR ranges',
    }),
  /** Attempts per webhook delivery (the first included) before it is given up. */
  WEBHOOK_MAX_ATTEMPTS: positiveIntVar(8),
  /** Delay before the first retry; each further retry waits 4× longer (±20 %), at most WEBHOOK_RETRY_MAX_DELAY_SECONDS. */
  WEBHOOK_RETRY_BASE_MS: positiveIntVar(2_000),
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: positiveIntVar(3_600),
  /** How often each replica looks for due webhook deliveries. */
  WEBHOOK_POLL_INTERVAL_MS: positiveIntVar(1_000),
  /** Delivered and given-up deliveries are kept this long (the endpoint's recent deliveries). */
  WEBHOOK_DELIVERY_RETENTION_DAYS: positiveIntVar(7),
  /** Where the catalog-as-code file is applied from at start-up (optional). */
  CATALOG_FILE: z.string().optional(),
  /**
   * Where API upstreams may point (comma-separated host names, `*.suffix` wildcards, IP addresses
   * or CIDR ranges); empty allows any host. Link-local and cloud-metadata hosts are refused either
   * way. Names are matched as written, without DNS.
   */
  CATALOG_UPSTREAM_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim().toLowerCase().replace(/\.+$/, ''))
        .filter(Boolean),
    )
    .refine((entries) => entries.every(isUpstreamHostPattern), {
      error: 'must be comma-separated host names, *.suffix wildcards, IP addresses or CIDR ranges',
    }),
  /** Public URL of the portal, for links in notifications. */
  PORTAL_URL: urlVar('http://127.0.0.1:3000', ['http', 'https']),
};

function isHostOrRange(entry: string): boolean {
  if (entry.includes('/') || isIP(entry) !== 0) return isAddressOrRange(entry);
  return /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(
    entry,
  );
}

/** A host, address or range (isHostOrRange), or `*.` before a host name (not an address). */
function isUpstreamHostPattern(entry: string): boolean {
  if (!entry.startsWith('*.')) return isHostOrRange(entry);
  const suffix = entry.slice(2);
  return !suffix.includes('/') && isIP(suffix) === 0 && isHostOrRange(suffix);
}

export type IdentityConfig = ReturnType<typeof loadIdentityConfig>;

export function loadIdentityConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(identityEnv, env);
  assertProductionSafe(config);
  return config;
}

/**
 * Settings that start fine but that a production deployment most likely did not mean; logged at
 * start-up. With a portal (a `portal=` service token) and no TRUSTED_PROXIES, every portal
 * visitor's sign-in comes from the portal's address: the audit trail names the portal, and one
 * stranger's failed sign-ins close the portal to every person's new devices for a while.
 */
export function startupWarnings(config: IdentityConfig): string[] {
  const warnings: string[] = [];
  if (
    config.NODE_ENV === 'production' &&
    config.IDENTITY_SERVICE_TOKENS.has('portal') &&
    config.TRUSTED_PROXIES.length === 0
  ) {
    warnings.push(
      'TRUSTED_PROXIES is empty: sign-ins through the portal are recorded and limited by the ' +
        "portal's address, not each visitor's (SIGN_IN_MAX_FAILURES_PER_ADDRESS failures by anyone " +
        "hold back every person's new devices). Add the portal's address (README: " +
        '"Who did what, from where").',
    );
  }
  if (
    config.NODE_ENV === 'production' &&
    config.SIGN_UP_MODE === 'open' &&
    config.SIGN_UP_EMAIL_DOMAINS.length === 0
  ) {
    warnings.push(
      'SIGN_UP_MODE is open and SIGN_UP_EMAIL_DOMAINS is empty: anyone who reaches the portal or ' +
        'identity can create a developer account. Set SIGN_UP_EMAIL_DOMAINS, or SIGN_UP_MODE=invitation ' +
        '(README: "Who may sign up").',
    );
  }
  return warnings;
}

function assertProductionSafe(config: ReturnType<typeof loadConfig<typeof identityEnv>>): void {
  if (config.NODE_ENV !== 'production') return;
  const problems: string[] = [];
  if (config.IDENTITY_MASTER_KEY === DEV_MASTER_KEY) problems.push('IDENTITY_MASTER_KEY');
  if (config.CREDENTIAL_HASH_KEY === DEV_HASH_KEY) problems.push('CREDENTIAL_HASH_KEY');
  if ([...config.IDENTITY_SERVICE_TOKENS.values()].some((token) => token.includes('_dev_'))) {
    problems.push('IDENTITY_SERVICE_TOKENS');
  }
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((variable) => ({
        variable,
        problem: 'must be set to a real secret in production (not the development default)',
      })),
    );
  }
}
