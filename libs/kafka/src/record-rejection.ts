/**
 * Errors with which Kafka refuses particular records rather than being unavailable. Retrying such
 * a record can never succeed, and it must not hold up the ones behind it.
 */
const RECORD_LEVEL_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
  'INVALID_TOPIC_EXCEPTION',
]);

/**
 * The kafkajs error type if `error` (or an error it wraps) says Kafka refused the records
 * themselves; undefined for everything else (broker down, leader moving, unknown topic, ...),
 * which is worth retrying.
 */
export function recordRejection(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { type, cause, errors } = current as {
      type?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof type === 'string' && RECORD_LEVEL_ERRORS.has(type)) return type;
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return undefined;
}
