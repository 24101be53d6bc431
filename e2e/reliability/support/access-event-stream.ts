import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessEventSchema, buildEvent, TOPICS, type AccessEvent } from '@portcullis/contracts';
import { createKafka } from '@portcullis/kafka';
import type { Producer } from 'kafkajs';

/** A valid access event as a gateway would publish it, for one synthetic API. */
export function syntheticAccessEvent(apiId: string): AccessEvent {
  return buildEvent(accessEventSchema, {
    source: 'gateway',
    data: {
      requestId: randomUUID(),
      gatewayId: 'e2e-faults-synthetic',
      appId: `app-${apiId}`,
      teamId: null,
      developerId: null,
      clientId: null,
      credentialId: null,
      apiId,
      apiSlug: apiId,
      planId: null,
      environment: 'sandbox',
      authMethod: 'api_key',
      method: 'GET',
      route: '/items/{id}',
      path: '/items/1',
      status: 200,
      decision: 'allow',
      reason: 'ok',
      latencyMs: { total: 1.5, upstream: 1 },
      bytesIn: 0,
      bytesOut: 20,
      sourceIp: '127.0.0.1',
      userAgent: 'e2e-faults',
      tokenJti: null,
      scopes: [],
    },
  });
}

/**
 * Publishes access events of one synthetic API to `portcullis.access.v1` in steady chunks
 * (spread over the partitions by request id), remembering every request id sent.
 */
export class AccessEventStream {
  readonly requestIds: string[] = [];
  readonly #producer: Producer;

  constructor(
    brokers: string[],
    readonly apiId: string,
  ) {
    this.#producer = createKafka({ brokers, clientId: 'e2e-faults-stream' }).producer({
      allowAutoTopicCreation: false,
    });
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
  }

  /** Sends `count` events in chunks of `chunk`, pausing `pauseMs` between chunks. */
  async publish(count: number, chunk = 100, pauseMs = 50): Promise<void> {
    for (let sent = 0; sent < count; sent += chunk) {
      const events = Array.from({ length: Math.min(chunk, count - sent) }, () =>
        syntheticAccessEvent(this.apiId),
      );
      await this.#producer.send({
        topic: TOPICS.accessEvents,
        messages: events.map((event) => ({
          key: event.data.requestId,
          value: JSON.stringify(event),
          headers: { 'event-id': event.id },
        })),
      });
      this.requestIds.push(...events.map((event) => event.data.requestId));
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }

  async close(): Promise<void> {
    await this.#producer.disconnect();
  }
}
