/** What one load run against one target measured, whichever tool drove it. */
export interface LoadResult {
  /** Requests answered per second over the run. */
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Connect, read and write errors and timeouts. */
  errors: number;
  non2xx: number;
  /** Requests answered and measured. */
  total: number;
  /** Requests answered during a warm-up that is not measured (fixed-rate runs). */
  warmupTotal?: number;
}
