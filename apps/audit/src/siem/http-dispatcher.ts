import { Agent } from 'undici';

/** An undici dispatcher with the sink's own CA (if any) and short timeouts. */
export function sinkHttpAgent(options: { caCert?: string; rejectUnauthorized?: boolean }): Agent {
  return new Agent({
    connect: {
      ...(options.caCert ? { ca: options.caCert } : {}),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      timeout: 5000,
    },
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
}

/** Seconds from a Retry-After header (seconds form only), capped. */
export function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Math.min(Number(value.trim()), 300);
}
