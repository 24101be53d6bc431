import { z } from 'zod';

const httpUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/ })
    .optional()
    .transform((value) => value ?? fallback);

const portalEnvSchema = z.object({
  IDENTITY_URL: httpUrl('http://127.0.0.1:3001'),
  AUDIT_URL: httpUrl('http://127.0.0.1:3002'),
  /**
   * The portal's entry in identity's IDENTITY_SERVICE_TOKENS (`portal=pcl_svc_…`). With it,
   * visitors browse the catalog without signing in (identity gives services the public view);
   * without it, the catalog is behind sign-in.
   */
  PORTAL_SERVICE_TOKEN: z
    .string()
    .regex(/^pcl_svc_[A-Za-z0-9_-]{24,}$/, 'must be a pcl_svc_ token of 32+ characters')
    .optional(),
  /**
   * How many proxies in front of the portal append to X-Forwarded-For (a TLS terminator, a load
   * balancer). With one or more, the portal passes its visitors' addresses on to identity and
   * audit, which record them once the portal's address is in their TRUSTED_PROXIES; with 0 it
   * passes none (a visitor could write the header), and they record the portal's own address.
   */
  PORTAL_TRUSTED_PROXY_HOPS: z.coerce
    .number({ error: 'must be a whole number from 0 to 5' })
    .int('must be a whole number from 0 to 5')
    .min(0, 'must be a whole number from 0 to 5')
    .max(5, 'must be a whole number from 0 to 5')
    .optional()
    .transform((value) => value ?? 0),
});

export type PortalEnv = z.infer<typeof portalEnvSchema>;

/** The portal's upstream services. An empty variable counts as unset. */
export function readPortalEnv(
  env: Record<string, string | undefined> = process.env,
): { ok: true; env: PortalEnv } | { ok: false; problems: string[] } {
  const input = Object.fromEntries(
    Object.keys(portalEnvSchema.shape).map((key) => {
      const value = env[key]?.trim();
      return [key, value === '' ? undefined : value];
    }),
  );
  const parsed = portalEnvSchema.safeParse(input);
  if (parsed.success) return { ok: true, env: parsed.data };
  // Values are left out: a URL may embed credentials.
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`),
  };
}
