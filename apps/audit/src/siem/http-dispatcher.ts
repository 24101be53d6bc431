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

/** Longest wait a Retry-After may impose: a receiver's odd answer must not park a sink for hours. */
const RETRY_AFTER_CAP_SECONDS = 300;

/**
 * Seconds from a Retry-After header (delay-seconds or an HTTP date), capped at 5 minutes; undefined
 * when absent or unreadable. A date in the past means now (0).
 */
export function retryAfterSeconds(
  header: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d{1,9}$/.test(value)) return Math.min(Number(value), RETRY_AFTER_CAP_SECONDS);
  // An IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"); anything Date.parse misreads is ignored.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - now) / 1000)), RETRY_AFTER_CAP_SECONDS);
}
