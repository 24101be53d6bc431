import type { GatewayApiSettings } from '@portcullis/contracts';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Upper bounds on an API's gateway settings, checked where identity takes API definitions (the
 * management API and the catalog file). The snapshot contract (gatewayApiSettingsSchema) has
 * none and gets none: gateways must keep loading what is stored. Every API runs in the same
 * gateway processes, so the team that owns one must not tie up their memory, sockets or event
 * loop with extreme values.
 */
export const API_SETTINGS_LIMITS = {
  /** Streamed to the upstream; the largest upload an API may accept. */
  maxBodyBytes: 100 * MiB,
  /** Node's HTTP parser refuses more than 16 KiB of headers by default before the gateway looks. */
  maxHeaderBytes: 64 * KiB,
  /** Each attempt holds a client request and an upstream socket open. */
  connectTimeoutMs: 60_000,
  /** Time to the response headers, and between response body chunks. */
  responseTimeoutMs: 5 * 60_000,
  /** Browsers cap preflight caching lower anyway (Chromium 2 h, Firefox 24 h). */
  corsMaxAgeSeconds: 86_400,
  /** The depth check recurses once per level, on the gateway's event loop. */
  maxJsonDepth: 256,
  cacheTtlSeconds: 86_400,
  /** Per API; the gateway-wide LRU (GATEWAY_CACHE_MAX_BYTES) is shared by all APIs. */
  cacheMaxEntries: 10_000,
  /**
   * With threat protection the gateway buffers the whole body, then parses and scans it on its
   * event loop: each request would stall every other API for as long as that takes.
   */
  threatProtectionMaxBodyBytes: 10 * MiB,
  /** Lists the gateway walks per request (CORS, threat protection): entries and characters each. */
  corsAllowedOrigins: { entries: 100, characters: 256 },
  corsAllowedHeaders: { entries: 100, characters: 128 },
  allowedContentTypes: { entries: 50, characters: 256 },
} as const;

const bytes = (value: number) =>
  `${value} bytes (${value % MiB === 0 ? `${value / MiB} MiB` : `${value / KiB} KiB`})`;
const milliseconds = (value: number) =>
  `${value} ms (${value % 60_000 === 0 ? `${value / 60_000} min` : `${value / 1000} s`})`;
const seconds = (value: number) => `${value} seconds (${value / 3600} h)`;

/**
 * Each setting past its bound: the path below `settings` and a message that names the bound.
 * Sections that are off (null) are not checked.
 */
export function settingsLimitIssues(
  settings: GatewayApiSettings,
): { path: (string | number)[]; message: string }[] {
  const limits = API_SETTINGS_LIMITS;
  const checks: [string[], number | undefined, number, string][] = [
    [['maxBodyBytes'], settings.maxBodyBytes, limits.maxBodyBytes, bytes(limits.maxBodyBytes)],
    [
      ['maxHeaderBytes'],
      settings.maxHeaderBytes,
      limits.maxHeaderBytes,
      bytes(limits.maxHeaderBytes),
    ],
    [
      ['connectTimeoutMs'],
      settings.connectTimeoutMs,
      limits.connectTimeoutMs,
      milliseconds(limits.connectTimeoutMs),
    ],
    [
      ['responseTimeoutMs'],
      settings.responseTimeoutMs,
      limits.responseTimeoutMs,
      milliseconds(limits.responseTimeoutMs),
    ],
    [
      ['cors', 'maxAgeSeconds'],
      settings.cors?.maxAgeSeconds,
      limits.corsMaxAgeSeconds,
      seconds(limits.corsMaxAgeSeconds),
    ],
    [
      ['threatProtection', 'maxJsonDepth'],
      settings.threatProtection?.maxJsonDepth,
      limits.maxJsonDepth,
      `${limits.maxJsonDepth} levels`,
    ],
    [
      ['cache', 'ttlSeconds'],
      settings.cache?.ttlSeconds,
      limits.cacheTtlSeconds,
      seconds(limits.cacheTtlSeconds),
    ],
    [
      ['cache', 'maxEntries'],
      settings.cache?.maxEntries,
      limits.cacheMaxEntries,
      `${limits.cacheMaxEntries} entries`,
    ],
  ];
  const issues: { path: (string | number)[]; message: string }[] = checks
    .filter(([, value, max]) => value !== undefined && value > max)
    .map(([path, , , bound]) => ({ path, message: `must be at most ${bound}` }));
  if (
    settings.threatProtection &&
    settings.maxBodyBytes <= limits.maxBodyBytes &&
    settings.maxBodyBytes > limits.threatProtectionMaxBodyBytes
  ) {
    issues.push({
      path: ['maxBodyBytes'],
      message: `must be at most ${bytes(limits.threatProtectionMaxBodyBytes)} while threatProtection is on (the gateway buffers and scans the whole body)`,
    });
  }
  const lists: [
    string[],
    readonly string[] | undefined,
    { entries: number; characters: number },
  ][] = [
    [['cors', 'allowedOrigins'], settings.cors?.allowedOrigins, limits.corsAllowedOrigins],
    [['cors', 'allowedHeaders'], settings.cors?.allowedHeaders, limits.corsAllowedHeaders],
    [
      ['threatProtection', 'allowedContentTypes'],
      settings.threatProtection?.allowedContentTypes,
      limits.allowedContentTypes,
    ],
  ];
  for (const [path, list, bound] of lists) {
    if (!list) continue;
    if (list.length > bound.entries) {
      issues.push({ path, message: `must be at most ${bound.entries} entries` });
    }
    list.forEach((entry, index) => {
      if (entry.length > bound.characters) {
        issues.push({
          path: [...path, index],
          message: `must be at most ${bound.characters} characters`,
        });
      }
    });
  }
  return issues;
}
