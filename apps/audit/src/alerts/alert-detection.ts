import type { AlertRule, AlertSeverity } from '@portcullis/contracts';

/** One rule firing on one event: opens an alert, or counts on the open one with this dedupKey. */
export interface Detection {
  rule: AlertRule;
  severity: AlertSeverity;
  /** Same key = same incident: repeats update the open alert instead of opening another. */
  dedupKey: string;
  summary: string;
  subject: Record<string, unknown>;
  /** When it was seen (the triggering event's time). */
  at: Date;
}
