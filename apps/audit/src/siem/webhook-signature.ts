import { createHmac } from 'node:crypto';
import { safeEqual } from '@portcullis/crypto';

export const SIGNATURE_HEADER = 'x-portcullis-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed too, so a
 * receiver can refuse replays older than its tolerance.
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** What a receiver does; here for tests and for the README's example. */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = new Map(
    header.split(',').map((part) => {
      const index = part.indexOf('=');
      return [part.slice(0, index).trim(), part.slice(index + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isSafeInteger(t) || !v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  return safeEqual(signWebhook(secret, body, t).split('v1=')[1] ?? '', v1);
}
