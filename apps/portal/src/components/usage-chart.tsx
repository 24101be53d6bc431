'use client';

import { compactNumber, layoutSeries } from '../lib/chart-scale';
import { formatDateTime } from '../lib/format';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

const BOX = { width: 640, height: 220, left: 48, right: 12, top: 12, bottom: 28 };

function shortTime(iso: string, bucket: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  if (bucket === 'day') return `${date.getUTCDate()}/${date.getUTCMonth() + 1}`;
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** Counts add up over the window; measurements such as latency do not, so show their peak. */
function legendValue(values: (number | null)[], unit: string): string {
  const present = values.filter((value): value is number => value !== null);
  if (unit)
    return present.length === 0 ? 'no data' : `peak ${compactNumber(Math.max(...present))}${unit}`;
  return `${compactNumber(present.reduce((sum, value) => sum + value, 0))} total`;
}

/**
 * A line chart drawn as inline SVG by React: colours come from CSS classes (the CSP forbids style
 * attributes), and the numbers are also offered as a table.
 *
 * A client component on purpose. As a server component its many SVG elements made a large Flight
 * payload that React splits into chunks; server rendering then streams the late parts into hidden
 * `<svg style="display:none">` containers (in SVG, React cannot use `<div hidden>`), and Chromium
 * blocks each of those style attributes under `style-src-attr`. Rendered from client code, the
 * SVG is produced in one piece from plain data props.
 */
export function UsageChart({
  title,
  description,
  times,
  series,
  bucket,
  unit = '',
}: {
  title: string;
  description: string;
  times: string[];
  series: ChartSeries[];
  bucket: string;
  unit?: string;
}) {
  const id = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const layout = layoutSeries(
    series.map((entry) => entry.values),
    BOX,
  );
  const labelIndexes =
    times.length <= 1 ? [0] : [0, Math.floor((times.length - 1) / 2), times.length - 1];
  return (
    <figure className="chart-figure">
      <figcaption id={`${id}-title`} className="chart-title">
        {title}
      </figcaption>
      <svg
        className="chart"
        viewBox={`0 0 ${BOX.width} ${BOX.height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <desc id={`${id}-desc`}>{description}</desc>
        {layout.ticks.map((tick) => (
          <g key={tick.value}>
            <line
              className="chart-axis"
              x1={BOX.left}
              x2={BOX.width - BOX.right}
              y1={tick.y}
              y2={tick.y}
            />
            <text className="chart-label" x={BOX.left - 6} y={tick.y + 4} textAnchor="end">
              {compactNumber(tick.value)}
              {unit}
            </text>
          </g>
        ))}
        {labelIndexes.map((index) =>
          times[index] ? (
            <text
              key={index}
              className="chart-label"
              x={layout.xFor(index)}
              y={BOX.height - 8}
              textAnchor={index === 0 ? 'start' : index === times.length - 1 ? 'end' : 'middle'}
            >
              {shortTime(times[index], bucket)}
            </text>
          ) : null,
        )}
        {layout.series.map((geometry, index) => (
          <g key={series[index]?.label ?? index}>
            <path className={`chart-line chart-series-${(index % 4) + 1}`} d={geometry.path} />
            {geometry.points.length <= 120 &&
              geometry.points.map((point, pointIndex) => (
                <circle
                  key={pointIndex}
                  className={`chart-series-${(index % 4) + 1}`}
                  cx={point.x}
                  cy={point.y}
                  r={point.value > 0 ? 3 : 1.5}
                />
              ))}
          </g>
        ))}
      </svg>
      <ul className="chart-legend">
        {series.map((entry, index) => (
          <li key={entry.label}>
            <span className={`chart-swatch swatch-${(index % 4) + 1}`} aria-hidden="true" />
            {entry.label}: {legendValue(entry.values, unit)}
          </li>
        ))}
      </ul>
      <details className="chart-data">
        <summary>Show the data as a table</summary>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Bucket (UTC)</th>
                {series.map((entry) => (
                  <th scope="col" key={entry.label}>
                    {entry.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {times.map((time, index) => (
                <tr key={time}>
                  <th scope="row">{formatDateTime(time)}</th>
                  {series.map((entry) => (
                    <td key={entry.label}>{entry.values[index] ?? '—'}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
