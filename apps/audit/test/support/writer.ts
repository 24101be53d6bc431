import type { AccessEvent, AlertEvent, ManagementEvent } from '@portcullis/contracts';
import type pg from 'pg';
import { toRowContent } from '../../src/store/event-row.js';
import { EventWriter } from '../../src/store/event-writer.js';
import { PartitionManager } from '../../src/store/partitions.js';

/** The store's writer on a test pool: stores events as the consumer would. */
export function testWriter(db: pg.Pool, retentionDays = 90, daysAhead = 7) {
  const partitions = new PartitionManager(db);
  const writer = new EventWriter(db, partitions, { retentionDays, daysAhead });
  return {
    partitions,
    writer,
    store: (events: (AccessEvent | ManagementEvent | AlertEvent)[], now?: Date) =>
      writer.write(events.map(toRowContent), now),
  };
}
