// Before kafkajs loads: it takes the grouping function it patches when it first loads.
import './kafkajs-linear-grouping.js';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { applyKafkajsFastCrc32c } from './kafkajs-crc32c.js';
import { applyKafkajsRecordEncoding } from './kafkajs-record-encoding.js';
import { applyKafkajsRequestQueueFix } from './kafkajs-request-queue-fix.js';
import { KAFKAJS_LOG_LEVELS, pinoLogCreator, type KafkaLogLevel } from './kafka-log.js';

applyKafkajsRequestQueueFix();
applyKafkajsFastCrc32c();
applyKafkajsRecordEncoding();

export interface CreateKafkaOptions {
  brokers: string[];
  clientId: string;
  /** Default: 'warn' when a logger is given, else 'nothing' (kafkajs is noisy while a broker is down). */
  logLevel?: KafkaLogLevel;
  logger?: Logger;
}

/** The one place Kafka clients are configured, so every app fails fast the same way. */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const level = options.logLevel ?? (options.logger ? 'warn' : 'nothing');
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: KAFKAJS_LOG_LEVELS[level],
    ...(options.logger
      ? { logCreator: pinoLogCreator(options.logger.child({ lib: 'kafkajs' })) }
      : {}),
    // A refused or silent broker must surface within seconds, not the kafkajs default of minutes
    // of retries; callers that need persistence (EventProducer) keep retrying themselves.
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    // kafkajs' default (300 ms doubling to 30 s) takes ~10 s to give up on a refused connection.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
  });
}
