/** What ensureTopics needs to know about a topic; libs/contracts' TOPIC_SPECS has this shape. */
export interface TopicSpec {
  name: string;
  partitions: number;
  retentionMs: number;
  cleanupPolicy?: 'delete' | 'compact';
}
