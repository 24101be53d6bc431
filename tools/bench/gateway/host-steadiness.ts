import { median } from '../median.ts';

/**
 * Whether a run's host could decide the two targets. A shared two-core host slows down for minutes
 * at a time; each target compares runs seconds apart, so a swing inside a run moves the verdict.
 * Both checks look at targets that are not Portcullis, so the gateway cannot pass them by being slow.
 */
export interface HostSteadiness {
  /** (max − min) / median of direct's peak req/s across the rounds. */
  directSpread: number;
  /** Whether that spread is small enough for the throughput ratio to be a verdict. */
  throughputDecidable: boolean;
  /** The bare Node proxy's p99 over direct's at half load, in ms (null: not measured). */
  bareAddedP99Ms: number | null;
  /**
   * Whether a Node proxy can meet the tail budget on this host at all (the bare one did); null
   * when the half-load runs were not measured.
   */
  tailDecidable: boolean | null;
}

/**
 * Above this, the run is too unsteady for the throughput ratio. In the full runs on record,
 * direct's rounds spread 8 % (29 Nov 07:24; per-round ratios 0.73–0.80) and 14 % (28 Nov 04:43;
 * 0.67–0.86) on quiet hosts, 31 % (29 Nov 01:06; 0.71–0.86) and 46 % (29 Nov 09:13; 0.39–0.98) on
 * hosts whose speed changed during the run (tools/bench/gateway/RESULTS.md and its history).
 */
export const MAX_DIRECT_SPREAD = 0.15;

export function hostSteadiness(
  directPeakRps: readonly number[],
  bareAddedP99Ms: number | null,
  tailBudgetMs: number,
): HostSteadiness {
  if (directPeakRps.length === 0) throw new RangeError('no direct rounds to judge the host by');
  const directSpread =
    (Math.max(...directPeakRps) - Math.min(...directPeakRps)) / median(directPeakRps);
  return {
    directSpread,
    throughputDecidable: directSpread <= MAX_DIRECT_SPREAD,
    bareAddedP99Ms,
    tailDecidable: bareAddedP99Ms === null ? null : bareAddedP99Ms <= tailBudgetMs,
  };
}
