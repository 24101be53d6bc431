import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export const KAFKAJS_LOG_LEVELS: Readonly<Record<KafkaLogLevel, logLevel>> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

const LIMITED_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** Routes kafkajs' own log lines into a pino logger (kafkajs otherwise writes JSON to stdout). */
export function pinoLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    // kafkajs adds its own timestamp and logger name; pino has both already.
    const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry.log;
    // EventProducer limits retries on purpose (it spools and replays itself); kafkajs warns about
    // that on every producer it creates.
    if (message === LIMITED_RETRIES_WARNING) return;
    const fields = { kafkajs: entry.namespace, ...extra };
    switch (entry.level) {
      case logLevel.ERROR:
        logger.error(fields, message);
        break;
      case logLevel.WARN:
        logger.warn(fields, message);
        break;
      case logLevel.INFO:
        logger.info(fields, message);
        break;
      default:
        logger.debug(fields, message);
    }
  };
}
