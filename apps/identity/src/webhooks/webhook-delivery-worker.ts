import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { CONFIG, LOGGER, PRISMA } from '@portcullis/nest-service';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { secretBoxFor, type SecretBox } from '../auth/secret-box.js';
import type { IdentityConfig } from '../config.js';
import { WEBHOOK_SECRET_PURPOSE } from './webhook-secret.js';
import { signWebhook } from './webhook-signature.js';
import { hostOf } from '../destinations/address-class.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';

const TIMEOUT_MS = 5_000;
/** A claimed row is not due for others this long: longer than one attempt can take. */
const LEASE_MS = 60_000;
const BATCH = 20;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * What team members see (`lastError` of the endpoint and the delivery) when the destination was
 * refused or its host does not resolve. Both read the same on purpose: the host is the team's to
 * choose (and to re-point after registration), so telling "resolves to 10.1.2.3, a private
 * address" from "does not resolve" would let anyone who owns a team map internal DNS names and
 * addresses. The precise reason goes to identity's log only. Other failures (connection refused,
 * timeouts, HTTP statuses) are about the public destination the team registered and stay as is.
 */
export const DESTINATION_NOT_ALLOWED =
  'destination not allowed: the host must resolve to public addresses only';

/** DNS failures of the socket's lookup: reported to team members as DESTINATION_NOT_ALLOWED. */
function isDnsFailure(code: string | undefined): boolean {
  return code === 'ENOTFOUND' || code === 'ENODATA' || (code?.startsWith('EAI_') ?? false);
}

interface ClaimedRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret_encrypted: string;
  team_id: string | null;
}

interface Outcome {
  statusCode: number | null;
  error: string | null;
  /** The precise reason, for the log only, when `error` (which team members see) hides it. */
  detail?: string;
  /** The URL itself cannot be delivered to (invalid, or an internal IP literal): give up at once. */
  refused: boolean;
}

/** Delay before retry number `attempt` (1 = the first retry): base × 4^(n-1), ±20 %, capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const delay = Math.min(baseMs * 4 ** (attempt - 1), maxMs);
  return Math.round(delay * (0.8 + Math.random() * 0.4));
}

/**
 * Delivers due rows of the webhook outbox. Every replica polls (and is kicked when it queues
 * something); a row is claimed with `FOR UPDATE SKIP LOCKED` and leased by moving its
 * `next_attempt_at` ahead, so exactly one replica attempts it at a time and a replica that dies
 * mid-attempt only delays it. Failures are retried with exponential back-off until
 * WEBHOOK_MAX_ATTEMPTS; a destination the URL guard refuses is given up at once.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly box: SecretBox;
  private readonly agent: Agent;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastPurge = 0;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly guard: WebhookUrlGuard,
  ) {
    this.box = secretBoxFor(config, WEBHOOK_SECRET_PURPOSE);
    // Every connection resolves through the guard: what was checked is what is dialled.
    this.agent = new Agent({ connect: { lookup: guard.lookup, timeout: TIMEOUT_MS } });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.WEBHOOK_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.agent.close().catch(() => undefined);
  }

  /** Look for due deliveries now (coalesced with a pass already running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'webhook delivery pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Delivers until nothing is due (for tests and shutdown-free runs). */
  async drain(): Promise<void> {
    for (;;) {
      const rows = await this.claim();
      if (rows.length > 0) await Promise.all(rows.map((row) => this.attempt(row)));
      if (rows.length < BATCH || this.stopped) break;
    }
    if (Date.now() - this.lastPurge > PURGE_EVERY_MS) await this.purge();
  }

  private async claim(): Promise<ClaimedRow[]> {
    const leaseUntil = new Date(Date.now() + LEASE_MS);
    return this.prisma.$queryRaw<ClaimedRow[]>`
      WITH due AS (
        SELECT id FROM identity.webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT ${BATCH}
           FOR UPDATE SKIP LOCKED)
      UPDATE identity.webhook_deliveries d
         SET attempts = d.attempts + 1, next_attempt_at = ${leaseUntil},
             last_attempt_at = now(), updated_at = now()
        FROM due, identity.webhook_endpoints e
       WHERE d.id = due.id AND e.id = d.endpoint_id
      RETURNING d.id, d.endpoint_id, d.event_id, d.event_type, d.payload, d.attempts,
                e.url, e.secret_encrypted, e.team_id`;
  }

  private async attempt(row: ClaimedRow): Promise<void> {
    const outcome = await this.send(row);
    const now = new Date();
    const giveUp = outcome.refused || row.attempts >= this.config.WEBHOOK_MAX_ATTEMPTS;
    const context = {
      webhookId: row.endpoint_id,
      teamId: row.team_id,
      type: row.event_type,
      attempt: row.attempts,
    };
    if (outcome.error === null) {
      await this.prisma.webhookDelivery.update({
        where: { id: row.id },
        data: {
          status: 'delivered',
          deliveredAt: now,
          lastStatusCode: outcome.statusCode,
          lastError: null,
        },
      });
    } else {
      const retryIn = retryDelayMs(
        row.attempts,
        this.config.WEBHOOK_RETRY_BASE_MS,
        this.config.WEBHOOK_RETRY_MAX_DELAY_SECONDS * 1000,
      );
      await this.prisma.webhookDelivery.update({
        where: { id: row.id },
        data: {
          status: giveUp ? 'failed' : 'pending',
          nextAttemptAt: giveUp ? now : new Date(now.getTime() + retryIn),
          lastStatusCode: outcome.statusCode,
          lastError: outcome.error.slice(0, 300),
        },
      });
      const logged = { ...context, error: outcome.error, detail: outcome.detail };
      if (giveUp) this.logger.warn(logged, 'webhook delivery gave up');
      // Operators hear of every refused or unresolvable destination, not only the last attempt.
      else if (outcome.detail)
        this.logger.warn({ ...logged, retryIn }, 'webhook destination refused');
      else this.logger.debug({ ...logged, retryIn }, 'webhook retry');
    }
    await this.prisma.webhookEndpoint
      .updateMany({
        where: { id: row.endpoint_id },
        data:
          outcome.error === null
            ? { lastSuccessAt: now }
            : { lastError: outcome.error.slice(0, 200), lastErrorAt: now },
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'webhook outcome not saved'));
  }

  private async send(row: ClaimedRow): Promise<Outcome> {
    let url: URL;
    try {
      url = new URL(row.url);
    } catch {
      return { statusCode: null, error: 'invalid URL', refused: true };
    }
    // IP literals never reach the socket's lookup: check them here.
    const host = hostOf(url);
    const literal = isIP(host) === 0 ? null : this.guard.refusal(host, host);
    if (literal) {
      return { statusCode: null, error: DESTINATION_NOT_ALLOWED, detail: literal, refused: true };
    }
    const body = JSON.stringify(row.payload);
    try {
      const secret = this.box.open(row.secret_encrypted);
      const response = await request(url, {
        method: 'POST',
        body,
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Portcullis-Webhooks/1',
          'x-portcullis-event': row.event_type,
          'x-portcullis-delivery': row.event_id,
          'x-portcullis-signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        },
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      await response.body.dump();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        statusCode: response.statusCode,
        error: ok ? null : `HTTP ${response.statusCode}`,
        refused: false,
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A name that now resolves inside and one that stopped resolving read alike and are both
      // retried (DNS may change back): were the first given up at once, `status` and `attempts`
      // would tell a team which of its names point at internal addresses. A retry only looks the
      // name up again; nothing internal is ever dialled.
      if (code === 'EDESTINATIONNOTALLOWED') {
        const detail = `${host}: ${(error as Error).message}`;
        return { statusCode: null, error: DESTINATION_NOT_ALLOWED, detail, refused: false };
      }
      if (isDnsFailure(code)) {
        const detail = `${host} does not resolve (${code})`;
        return { statusCode: null, error: DESTINATION_NOT_ALLOWED, detail, refused: false };
      }
      return { statusCode: null, error: code ?? 'delivery failed', refused: false };
    }
  }

  private async purge(): Promise<void> {
    this.lastPurge = Date.now();
    const before = new Date(
      Date.now() - this.config.WEBHOOK_DELIVERY_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    );
    await this.prisma.webhookDelivery.deleteMany({
      where: { status: { in: ['delivered', 'failed'] }, updatedAt: { lt: before } },
    });
  }
}
