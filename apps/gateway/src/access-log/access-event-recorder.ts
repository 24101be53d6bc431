import { TOPICS, type AccessEvent, type AccessEventData } from '@portcullis/contracts';
import type { EventPublisher } from '@portcullis/kafka';
import type { Logger } from 'pino';
import type { RequestContext } from '../pipeline/request-context.js';
import { accessEventId } from './event-id.js';

/**
 * One access event per request, allowed or denied, keyed by app id. publish() only queues (the
 * producer spools to disk while Kafka is away), so the request never waits for Kafka.
 *
 * The event is assembled from values the gateway produced itself, each already bounded the way
 * accessEventSchema requires (lengths, enums, integers), so it is not re-parsed with zod per
 * request (a noticeable cost at full load); access-event-recorder.test.ts checks that what this
 * builds satisfies the schema for allowed and denied requests.
 */
export class AccessEventRecorder {
  constructor(
    private readonly producer: EventPublisher,
    private readonly gatewayId: string,
    private readonly logger: Logger,
  ) {}

  record(context: RequestContext, totalMs: number, traceId: string | null): void {
    const caller = context.caller;
    const api = context.api?.api ?? null;
    const data: AccessEventData = {
      requestId: context.requestId,
      gatewayId: this.gatewayId,
      appId: caller?.appId ?? null,
      teamId: caller?.teamId ?? null,
      developerId: caller?.developerId ?? null,
      clientId: caller?.clientId ?? null,
      credentialId: caller?.credentialId ?? null,
      apiId: api?.id ?? null,
      apiSlug: api?.slug ?? null,
      planId: context.plan?.id ?? null,
      environment: caller?.environment ?? null,
      authMethod: caller?.authMethod ?? 'none',
      method: context.method.slice(0, 16),
      route: context.route?.route.pathPattern.slice(0, 2048) ?? null,
      path: context.path.slice(0, 2048),
      status: Math.min(599, Math.max(100, Math.trunc(context.status))),
      decision: context.reason === 'ok' ? 'allow' : 'deny',
      reason: context.reason,
      latencyMs: {
        total: Math.max(0, totalMs),
        upstream: context.upstreamMs === null ? null : Math.max(0, context.upstreamMs),
      },
      bytesIn: context.bytesIn,
      bytesOut: context.bytesOut,
      sourceIp: context.sourceIp.slice(0, 64),
      userAgent: context.userAgent?.slice(0, 1024) ?? null,
      tokenJti: caller?.tokenJti?.slice(0, 256) ?? null,
      scopes: context.scopes,
      ...(context.rateLimitFallback ? { rateLimitFallback: true } : {}),
    };
    try {
      const now = Date.now();
      const event: AccessEvent = {
        id: accessEventId(now),
        type: 'gateway.access',
        version: 1,
        time: new Date(now).toISOString(),
        source: 'gateway',
        traceId,
        data,
      };
      this.producer.publish(
        TOPICS.accessEvents,
        caller?.appId ?? `source:${context.sourceIp}`,
        event,
      );
    } catch (error) {
      this.logger.error({ err: error, requestId: context.requestId }, 'cannot record access event');
    }
  }
}
