import { createHmac } from 'node:crypto';

/**
 * Stripe-style signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">`.
 * Receivers recompute it with their secret, compare in constant time and reject old `t`s.
 */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
