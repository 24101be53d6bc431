import { parseEvent } from '@portcullis/contracts';
import type { KafkaMessage } from 'kafkajs';
import type { AuditRowContent } from '../integrity/row-hash.js';
import { isStoredEvent, toRowContent, unstorableReason } from '../store/event-row.js';
import type { RejectedRecord } from './dead-letter.js';

export interface ClassifiedBatch {
  rows: AuditRowContent[];
  rejected: RejectedRecord[];
}

/**
 * Splits one batch into rows to store and records to dead-letter (not JSON, not a known event,
 * not an event the store keeps, not storable). One bad record never holds up the others.
 */
export function classifyRecords(
  topic: string,
  partition: number,
  messages: KafkaMessage[],
): ClassifiedBatch {
  const rows: AuditRowContent[] = [];
  const rejected: RejectedRecord[] = [];
  for (const message of messages) {
    const reject = (reason: string, eventId: string | null) =>
      rejected.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers,
        reason,
        eventId,
      });
    const parsed = parseEvent(message.value);
    if (!parsed.ok) {
      reject(parsed.reason, parsed.id);
      continue;
    }
    if (!isStoredEvent(parsed.event)) {
      reject(`event type ${parsed.event.type} is not stored by audit`, parsed.event.id);
      continue;
    }
    const row = toRowContent(parsed.event);
    const unstorable = unstorableReason(row, message.value ?? undefined);
    if (unstorable) {
      reject(unstorable, parsed.event.id);
      continue;
    }
    rows.push(row);
  }
  return { rows, rejected };
}
