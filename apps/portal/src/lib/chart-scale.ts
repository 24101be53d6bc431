/** Maps a value domain onto a pixel range; an empty domain maps to the range's start. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

/** A "nice" axis maximum and evenly spaced ticks (1, 2, 2.5 or 5 × 10ⁿ steps) from 0 up to it. */
export function niceTicks(maxValue: number, targetCount = 4): { max: number; ticks: number[] } {
  if (!Number.isFinite(maxValue) || maxValue <= 0) return { max: 1, ticks: [0, 1] };
  const rawStep = maxValue / targetCount;
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const step =
    [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((s) => s >= rawStep) ??
    10 * magnitude;
  const max = Math.ceil(maxValue / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let tick = 0; tick <= max + step / 2; tick += step) ticks.push(round(tick));
  return { max: round(max), ticks };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export interface ChartBox {
  width: number;
  height: number;
  /** Space for axis labels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface SeriesGeometry {
  /** SVG path `d` through the points, `M x y L x y …`; empty without points. */
  path: string;
  points: { x: number; y: number; value: number }[];
}

/**
 * Lays out one or more series sharing an x axis (bucket index) and a y axis from 0 to a nice
 * maximum over all of them. Null values (no data in a bucket) break the line.
 */
export function layoutSeries(
  series: readonly (readonly (number | null)[])[],
  box: ChartBox,
): {
  series: SeriesGeometry[];
  ticks: { value: number; y: number }[];
  xFor: (i: number) => number;
} {
  const length = Math.max(0, ...series.map((values) => values.length));
  const maxValue = Math.max(0, ...series.flat().filter((v): v is number => v !== null));
  const { max, ticks } = niceTicks(maxValue);
  const x = linearScale([0, Math.max(1, length - 1)], [box.left, box.width - box.right]);
  const y = linearScale([0, max], [box.height - box.bottom, box.top]);
  const geometry = series.map((values) => {
    const points: SeriesGeometry['points'] = [];
    let path = '';
    let penDown = false;
    values.forEach((value, index) => {
      if (value === null) {
        penDown = false;
        return;
      }
      const point = { x: round(x(index)), y: round(y(value)), value };
      points.push(point);
      path += `${path ? ' ' : ''}${penDown ? 'L' : 'M'}${point.x} ${point.y}`;
      penDown = true;
    });
    return { path, points };
  });
  return {
    series: geometry,
    ticks: ticks.map((value) => ({ value, y: round(y(value)) })),
    xFor: (index) => round(x(index)),
  };
}

/** Short numbers for axis labels: 950, 1.2k, 3.4M. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10);
}
