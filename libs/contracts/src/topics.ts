/** Kafka topic names. The version suffix changes only with an incompatible payload change. */
export const TOPICS = {
  accessEvents: 'portcullis.access.v1',
  managementEvents: 'portcullis.management.v1',
  alertEvents: 'portcullis.alerts.v1',
  configChanges: 'portcullis.config-changes.v1',
  deadLetter: 'portcullis.dead-letter.v1',
  ocsfEvents: 'portcullis.ocsf.v1',
  auditCheckpoints: 'portcullis.audit-checkpoints.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  retentionMs: number;
  cleanupPolicy: 'delete' | 'compact';
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Partition counts bound how many replicas of a consumer can share a topic; retention bounds how
 * long a consumer may be down before it loses events. The project creates these topics itself
 * before anyone subscribes (auto-creation is off on the broker).
 */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: TOPICS.accessEvents, partitions: 6, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete' },
  {
    name: TOPICS.managementEvents,
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
  },
  { name: TOPICS.alertEvents, partitions: 3, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  { name: TOPICS.configChanges, partitions: 1, retentionMs: 1 * DAY_MS, cleanupPolicy: 'delete' },
  { name: TOPICS.deadLetter, partitions: 3, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  { name: TOPICS.ocsfEvents, partitions: 3, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete' },
  // One partition: checkpoints in the order they were signed. Kept a year, longer than the store.
  {
    name: TOPICS.auditCheckpoints,
    partitions: 1,
    retentionMs: 365 * DAY_MS,
    cleanupPolicy: 'delete',
  },
];
