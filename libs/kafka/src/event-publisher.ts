/**
 * What services publish events through: EventProducer in the calling thread, or
 * EventProducerThread, which runs one in a worker thread so Kafka's client-side work (encoding,
 * checksums, its garbage) stays off a busy event loop.
 */
export interface EventPublisher {
  /** Events in memory, waiting for or in a send. */
  readonly queueDepth: number;
  /** Events in the spool file, waiting for Kafka. */
  readonly spoolDepth: number;
  /** Where this publisher spools. */
  readonly spoolPath: string;
  start(): Promise<void>;
  /**
   * Queues one event. Never waits and never throws because of Kafka. The value is sent as JSON
   * with header `event-id` set to value.id.
   */
  publish(topic: string, key: string, value: object & { id: string }): void;
  /** Resolves once everything published so far is acknowledged by Kafka, or after timeoutMs. */
  flush(timeoutMs?: number): Promise<void>;
  /** Delivers what it can in time, spools the rest for the next start, disconnects. */
  stop(): Promise<void>;
}
