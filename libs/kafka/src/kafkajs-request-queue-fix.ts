import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 re-arms a timer for every connection after every response, even with nothing
 * pending: the delay is negative, so it fires after 1 ms, forever (kafkajs issues #1704 and
 * #1751). An idle client then burns several percent of a core, and Node 24 prints a
 * TimeoutNegativeWarning. The fix proposed upstream: only arm the timer when a request waits or a
 * broker throttle is in force. Applied once, to exactly the version it was written against.
 */
const PATCHED_VERSION = '2.2.4';
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10; // kafkajs' own constant

interface RequestQueueInternals {
  throttledUntil: number;
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

export function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  let delay = this.throttledUntil - Date.now();
  if (this.pending.length > 0) delay = delay > 0 ? delay : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  // Nothing waits and no throttle: the next push() or response runs the check anyway.
  else if (delay <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/** True when the fix is in place (false for another kafkajs version: then it is left alone). */
export function applyKafkajsRequestQueueFix(): boolean {
  const require = createRequire(import.meta.url);
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION) return false;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueInternals;
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return true;
}
