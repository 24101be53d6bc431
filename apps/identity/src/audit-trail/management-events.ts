import { Inject, Injectable } from '@nestjs/common';
import {
  buildEvent,
  managementEventSchema,
  TOPICS,
  type ManagementEventData,
} from '@portcullis/contracts';
import type { EventPublisher } from '@portcullis/kafka';
import { EVENT_PRODUCER } from '@portcullis/nest-service';
import { currentTraceId } from '@portcullis/telemetry';
import type { z } from 'zod';

export type ManagementEventInput = z.input<typeof managementEventSchema>['data'];

/**
 * Publishes every state change in identity to `portcullis.management.v1` for the audit service.
 * Never awaited and never throws for broker trouble: the producer spools to disk.
 */
@Injectable()
export class ManagementEvents {
  constructor(@Inject(EVENT_PRODUCER) private readonly producer: EventPublisher) {}

  publish(data: ManagementEventInput): ManagementEventData {
    const event = buildEvent(managementEventSchema, {
      source: 'identity',
      traceId: currentTraceId(),
      data,
    });
    const key = event.data.appId ?? event.data.teamId ?? event.data.target.id ?? event.id;
    this.producer.publish(TOPICS.managementEvents, key, event);
    return event.data;
  }
}
