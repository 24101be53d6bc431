import type { EventProducerOptions } from './event-producer.js';
import type { KafkaLogLevel } from './kafka-log.js';
import type { SpoolRecord } from './spool-record.js';

/** What the worker needs to build its EventProducer (a Kafka client cannot cross threads). */
export interface ProducerThreadSetup {
  kafka: { brokers: string[]; clientId: string; logLevel?: KafkaLogLevel };
  producer: Omit<EventProducerOptions, 'kafka' | 'logger'>;
  /** pino level for the worker's log lines, which it hands to the main thread's logger. */
  logLevel: string | undefined;
  /** Added to the nice value the worker's thread inherits (Linux); undefined leaves it as is. */
  niceness: number | undefined;
}

/** Both sides and every message type are ours; the types are the contract, nothing is parsed. */
export type ToProducerThread =
  | { type: 'records'; records: SpoolRecord[] }
  | { type: 'flush'; request: number; timeoutMs: number }
  | { type: 'stop'; request: number };

export interface ProducerDepths {
  queueDepth: number;
  spoolDepth: number;
}

export type FromProducerThread =
  | ({ type: 'started' } & ProducerDepths)
  | { type: 'start-failed'; message: string }
  | ({ type: 'depths' } & ProducerDepths)
  | ({ type: 'done'; request: number } & ProducerDepths)
  /** One pino JSON line. */
  | { type: 'log'; line: string };
