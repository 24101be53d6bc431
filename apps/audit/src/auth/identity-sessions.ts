import { createHash } from 'node:crypto';
import { problems } from '@portcullis/nest-service';
import { meResponseSchema, principalFromMe, type AuditPrincipal } from './audit-principal.js';

const NEGATIVE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;
const REQUEST_TIMEOUT_MS = 3_000;

interface CacheEntry {
  principal: AuditPrincipal | false;
  expiresAt: number;
}

/**
 * Asks identity who a session token belongs to (`GET /v1/me` with the caller's token) and keeps
 * the answer briefly, keyed by a hash of the token (the token itself is never stored). A revoked
 * session stops working here within the cache time.
 */
export class IdentitySessions {
  readonly #cache = new Map<string, CacheEntry>();

  constructor(
    private readonly identityUrl: string,
    private readonly cacheMs: number,
  ) {}

  /** The principal, or false when identity does not accept the token; throws 503 when identity is unreachable. */
  async principalFor(token: string): Promise<AuditPrincipal | false> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.principal;
    const principal = await this.#ask(token);
    this.#remember(key, principal);
    return principal;
  }

  async #ask(token: string): Promise<AuditPrincipal | false> {
    let response: Response;
    try {
      response = await fetch(new URL('/v1/me', this.identityUrl), {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      throw problems.unavailable('The identity service could not be reached to check the session.');
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return false;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw problems.unavailable('The identity service could not check the session.');
    }
    const parsed = meResponseSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) {
      throw problems.unavailable('The identity service answered with an unexpected session.');
    }
    return principalFromMe(parsed.data);
  }

  #remember(key: string, principal: AuditPrincipal | false): void {
    if (this.#cache.size >= MAX_ENTRIES) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.delete(key);
    this.#cache.set(key, {
      principal,
      expiresAt: Date.now() + (principal ? this.cacheMs : Math.min(this.cacheMs, NEGATIVE_TTL_MS)),
    });
  }
}
