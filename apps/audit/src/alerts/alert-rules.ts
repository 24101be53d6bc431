import type { AccessEvent, KnownEvent, ManagementEvent } from '@portcullis/contracts';
import type { Detection } from './alert-detection.js';
import type { AlertThresholds } from './alert-thresholds.js';
import type { RedisWindows } from './redis-windows.js';
import { sourceNetwork } from './source-network.js';

const AUTH_FAILURES = new Set([
  'no_credential',
  'invalid_credential',
  'invalid_token',
  'wrong_audience',
  'certificate_mismatch',
]);
const AUTHORIZATION_DENIALS = new Set([
  'no_subscription',
  'insufficient_scope',
  'wrong_environment',
  'subscription_suspended',
]);
const CREDENTIAL_MISUSE = new Set(['revoked_credential', 'expired_credential', 'expired_token']);
const UPSTREAM_ERRORS = new Set(['upstream_error', 'upstream_timeout', 'circuit_open']);
const AUTH_FAILURE_ACTIONS = new Set(['client_auth.failed', 'user.sign_in_failed']);

/**
 * The anomaly rules. Each event updates the shared Redis counters it concerns and yields the
 * detections whose thresholds it crossed; opening and deduplicating alerts is AlertStore's job.
 */
export class AlertRules {
  constructor(
    private readonly windows: RedisWindows,
    private readonly thresholds: AlertThresholds,
  ) {}

  async evaluate(event: KnownEvent): Promise<Detection[]> {
    if (event.type === 'gateway.access') return this.#access(event);
    if (event.type === 'identity.management') return this.#management(event);
    return [];
  }

  async #access(event: AccessEvent): Promise<Detection[]> {
    const data = event.data;
    const at = new Date(event.time);
    const found: Detection[] = [];
    const add = (detection: Detection | null) => {
      if (detection) found.push(detection);
    };
    if (data.decision === 'deny' && AUTH_FAILURES.has(data.reason)) {
      add(await this.#authFailureByClient(event.id, data.clientId, data.sourceIp, at));
      add(await this.#authFailureBySource(event.id, data.sourceIp, at));
    }
    if (data.decision === 'deny' && AUTHORIZATION_DENIALS.has(data.reason) && data.clientId) {
      const { threshold, windowSeconds } = this.thresholds.authorizationDenial;
      const count = await this.windows.count(`authz:${data.clientId}`, event.id, at, windowSeconds);
      if (count >= threshold) {
        add({
          rule: 'authorization_denial_burst',
          severity: 'medium',
          dedupKey: `authorization_denial_burst:client:${data.clientId}`,
          summary: `${count} authorization denials for client ${data.clientId} within ${windowSeconds}s`,
          subject: {
            clientId: data.clientId,
            appId: data.appId,
            apiId: data.apiId,
            lastReason: data.reason,
            observed: count,
            threshold,
            windowSeconds,
          },
          at,
        });
      }
    }
    if (CREDENTIAL_MISUSE.has(data.reason)) add(await this.#credentialMisuse(event, at));
    // Refusals of fail-closed APIs, and requests a fail-open API counted in memory instead.
    if (data.reason === 'rate_limiter_unavailable' || data.rateLimitFallback === true) {
      const { threshold, windowSeconds } = this.thresholds.rateLimiterUnavailable;
      const count = await this.windows.count(
        `limiter:${data.gatewayId}`,
        event.id,
        at,
        windowSeconds,
      );
      if (count >= threshold) {
        add({
          rule: 'rate_limiter_unavailable',
          severity: 'medium',
          dedupKey: `rate_limiter_unavailable:gateway:${data.gatewayId}`,
          summary: `Gateway ${data.gatewayId} could not reach the shared rate limiter`,
          subject: { gatewayId: data.gatewayId, observed: count, threshold, windowSeconds },
          at,
        });
      }
    }
    if (data.reason === 'jwks_unavailable') {
      const { threshold, windowSeconds } = this.thresholds.jwksUnavailable;
      const count = await this.windows.count(`jwks:${data.gatewayId}`, event.id, at, windowSeconds);
      if (count >= threshold) {
        add({
          rule: 'jwks_unavailable',
          // Every caller with a token the gateway has not checked yet is refused meanwhile.
          severity: 'high',
          dedupKey: `jwks_unavailable:gateway:${data.gatewayId}`,
          summary: `Gateway ${data.gatewayId} could not read identity's token keys (JWKS)`,
          subject: { gatewayId: data.gatewayId, observed: count, threshold, windowSeconds },
          at,
        });
      }
    }
    if (data.apiId) add(await this.#upstreamErrors(event, data.apiId, at));
    if (data.appId) add(await this.#trafficBaseline(data.appId, at));
    if (data.clientId && data.decision === 'allow' && data.sourceIp) {
      add(await this.#newNetwork(data.clientId, data.appId, data.sourceIp, at));
    }
    return found;
  }

  async #management(event: ManagementEvent): Promise<Detection[]> {
    const data = event.data;
    if (!AUTH_FAILURE_ACTIONS.has(data.action) || data.outcome !== 'failure') return [];
    const at = new Date(event.time);
    const found: Detection[] = [];
    const clientId =
      data.action === 'client_auth.failed'
        ? ((data.target.type === 'client' ? data.target.id : null) ??
          (data.actor.type === 'client' ? data.actor.id : null))
        : null;
    const byClient = await this.#authFailureByClient(event.id, clientId, data.sourceIp, at);
    if (byClient) found.push(byClient);
    const bySource = await this.#authFailureBySource(event.id, data.sourceIp, at);
    if (bySource) found.push(bySource);
    return found;
  }

  async #authFailureByClient(
    eventId: string,
    clientId: string | null,
    sourceIp: string | null,
    at: Date,
  ): Promise<Detection | null> {
    if (!clientId) return null;
    const { threshold, windowSeconds } = this.thresholds.authFailureClient;
    const count = await this.windows.count(
      `authfail:client:${clientId}`,
      eventId,
      at,
      windowSeconds,
    );
    if (count < threshold) return null;
    return {
      rule: 'auth_failure_burst_client',
      severity: 'high',
      dedupKey: `auth_failure_burst_client:client:${clientId}`,
      summary: `${count} authentication failures for client ${clientId} within ${windowSeconds}s`,
      subject: { clientId, lastSourceIp: sourceIp, observed: count, threshold, windowSeconds },
      at,
    };
  }

  async #authFailureBySource(
    eventId: string,
    sourceIp: string | null,
    at: Date,
  ): Promise<Detection | null> {
    if (!sourceIp) return null;
    const { threshold, windowSeconds } = this.thresholds.authFailureSource;
    const count = await this.windows.count(`authfail:ip:${sourceIp}`, eventId, at, windowSeconds);
    if (count < threshold) return null;
    return {
      rule: 'auth_failure_burst_source',
      severity: 'high',
      dedupKey: `auth_failure_burst_source:ip:${sourceIp}`,
      summary: `${count} authentication failures from ${sourceIp} within ${windowSeconds}s`,
      subject: { sourceIp, observed: count, threshold, windowSeconds },
      at,
    };
  }

  async #credentialMisuse(event: AccessEvent, at: Date): Promise<Detection | null> {
    const data = event.data;
    const who = data.credentialId ?? data.clientId ?? data.tokenJti;
    if (!who) return null;
    const { threshold, windowSeconds } = this.thresholds.credentialMisuse;
    const count = await this.windows.count(`misuse:${who}`, event.id, at, windowSeconds);
    if (count < threshold) return null;
    const revoked = data.reason === 'revoked_credential';
    return {
      rule: 'revoked_credential_use',
      severity: revoked ? 'high' : 'medium',
      dedupKey: `revoked_credential_use:${who}:${data.reason}`,
      summary: `${revoked ? 'Revoked' : 'Expired'} credential used (${data.reason}) by client ${data.clientId ?? 'unknown'} from ${data.sourceIp}`,
      subject: {
        clientId: data.clientId,
        credentialId: data.credentialId,
        appId: data.appId,
        reason: data.reason,
        sourceIp: data.sourceIp,
        observed: count,
        threshold,
        windowSeconds,
      },
      at,
    };
  }

  async #upstreamErrors(event: AccessEvent, apiId: string, at: Date): Promise<Detection | null> {
    const data = event.data;
    const { minRequests, errorRatio, windowSeconds } = this.thresholds.upstreamErrors;
    // Only requests that reached (or tried to reach) the upstream count toward the ratio.
    if (data.decision === 'deny' && !UPSTREAM_ERRORS.has(data.reason)) return null;
    const total = await this.windows.count(`upstream:all:${apiId}`, event.id, at, windowSeconds);
    const isError = data.status >= 500 || UPSTREAM_ERRORS.has(data.reason);
    if (!isError) return null;
    const errors = await this.windows.count(`upstream:err:${apiId}`, event.id, at, windowSeconds);
    if (total < minRequests || errors / total < errorRatio) return null;
    return {
      rule: 'upstream_error_spike',
      severity: 'high',
      dedupKey: `upstream_error_spike:api:${apiId}`,
      summary: `${errors} of ${total} requests to API ${data.apiSlug ?? apiId} failed upstream within ${windowSeconds}s`,
      subject: {
        apiId,
        apiSlug: data.apiSlug,
        errors,
        requests: total,
        errorRatio,
        minRequests,
        windowSeconds,
      },
      at,
    };
  }

  async #trafficBaseline(appId: string, at: Date): Promise<Detection | null> {
    const { factor, minPerMinute, warmupMinutes, alpha } = this.thresholds.trafficBaseline;
    const rate = await this.windows.rate(`app:${appId}`, at, alpha);
    if (!rate || rate.minutes < warmupMinutes || rate.count < minPerMinute) return null;
    const limit = factor * Math.max(rate.ewma, 1);
    if (rate.count <= limit) return null;
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    return {
      rule: 'traffic_above_baseline',
      severity: 'medium',
      dedupKey: `traffic_above_baseline:app:${appId}`,
      summary: `Application ${appId} made ${rate.count} requests this minute, ${factor}× above its baseline of ${rate.ewma.toFixed(1)}/min`,
      subject: {
        appId,
        minute: minute.toISOString(),
        observedPerMinute: rate.count,
        baselinePerMinute: Number(rate.ewma.toFixed(3)),
        factor,
        minPerMinute,
      },
      at,
    };
  }

  async #newNetwork(
    clientId: string,
    appId: string | null,
    sourceIp: string,
    at: Date,
  ): Promise<Detection | null> {
    const { lookbackDays, ipv4Prefix, ipv6Prefix } = this.thresholds.newSourceNetwork;
    const network = sourceNetwork(sourceIp, ipv4Prefix, ipv6Prefix);
    if (!network) return null;
    const seen = await this.windows.seenNetwork(`client:${clientId}`, network, at, lookbackDays);
    // A client's first network is its baseline, not an anomaly.
    if (!seen.isNew || seen.otherNetworks === 0) return null;
    return {
      rule: 'new_source_network',
      severity: 'medium',
      dedupKey: `new_source_network:client:${clientId}:${network}`,
      summary: `Client ${clientId} called from ${network}, a network not seen in ${lookbackDays} days`,
      subject: {
        clientId,
        appId,
        network,
        sourceIp,
        knownNetworks: seen.otherNetworks,
        lookbackDays,
      },
      at,
    };
  }
}
