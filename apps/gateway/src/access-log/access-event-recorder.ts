import { accessEventSchema, buildEvent, TOPICS, type AccessEventData } from '@portcullis/contracts';
import type { EventProducer } from '@portcullis/kafka';
import type { Logger } from 'pino';
import type { RequestContext } from '../pipeline/request-context.js';

/**
 * One access event per request, allowed or denied, keyed by app id. publish() only queues (the
 * producer spools to disk while Kafka is away), so the request never waits for Kafka.
 */
export class AccessEventRecorder {
  constructor(
    private readonly producer: EventProducer,
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
      route: context.route?.route.pathPattern ?? null,
      path: context.path.slice(0, 2048),
      status: context.status,
      decision: context.reason === 'ok' ? 'allow' : 'deny',
      reason: context.reason,
      latencyMs: { total: totalMs, upstream: context.upstreamMs },
      bytesIn: context.bytesIn,
      bytesOut: context.bytesOut,
      sourceIp: context.sourceIp.slice(0, 64),
      userAgent: context.userAgent?.slice(0, 1024) ?? null,
      tokenJti: caller?.tokenJti?.slice(0, 256) ?? null,
      scopes: context.scopes,
    };
    try {
      const event = buildEvent(accessEventSchema, { source: 'gateway', traceId, data });
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
