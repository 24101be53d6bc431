import { Inject, Injectable } from '@nestjs/common';
import { buildEvent, managementEventSchema, TOPICS } from '@portcullis/contracts';
import type { EventPublisher } from '@portcullis/kafka';
import { EVENT_PRODUCER } from '@portcullis/nest-service';
import type { z } from 'zod';

type ManagementEventInput = z.input<typeof managementEventSchema>['data'];

/** Publishes the audit service's own state changes (sinks, alert responses) as management events. */
@Injectable()
export class AuditManagementEvents {
  constructor(@Inject(EVENT_PRODUCER) private readonly producer: EventPublisher) {}

  publish(data: ManagementEventInput): void {
    const event = buildEvent(managementEventSchema, { source: 'audit', data });
    this.producer.publish(TOPICS.managementEvents, event.data.target.id ?? event.id, event);
  }
}
