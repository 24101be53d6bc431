/** Targets whose throughput is compared with each other: the bare proxy and the gateways. */
export const COMPARED_TARGETS: readonly string[] = ['bare', 'portcullis', 'variant'];

/**
 * The order targets run in within one round. The compared targets run last and back to back, so
 * each round's ratio compares two runs seconds apart, not separated by another target's run; and
 * they swap order every other round (bare → Portcullis, then Portcullis → bare, ...), so a host
 * that drifts during a run slows the first and the second of a pair equally often and the median
 * of the rounds' ratios cancels it. The other targets keep their order, first.
 */
export function inTurn<T extends { key: string }>(targets: readonly T[], round: number): T[] {
  const others = targets.filter((target) => !COMPARED_TARGETS.includes(target.key));
  const compared = targets.filter((target) => COMPARED_TARGETS.includes(target.key));
  if (round % 2 === 0) compared.reverse();
  return [...others, ...compared];
}
