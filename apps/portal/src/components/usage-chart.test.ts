import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { UsageChart } from './usage-chart';

function render(values: (number | null)[]): string {
  return renderToStaticMarkup(
    createElement(UsageChart, {
      title: 'Requests',
      description: 'Requests per minute.',
      times: values.map((_, index) => new Date(Date.UTC(2026, 10, 27, 10, index)).toISOString()),
      bucket: 'minute',
      series: [{ label: 'Requests', values }],
    }),
  );
}

describe('UsageChart', () => {
  it('draws with attributes and classes only: the CSP forbids style attributes', () => {
    const html = render([0, 3, null, 5]);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).toContain('class="chart-line chart-series-1"');
  });

  it('labels the picture for assistive technology and offers the numbers as a table', () => {
    const html = render([1, 2]);
    expect(html).toContain('role="img"');
    expect(html).toMatch(/aria-labelledby="requests-title requests-desc"/);
    expect(html).toContain('<desc id="requests-desc">Requests per minute.</desc>');
    expect(html).toContain('<th scope="col">Requests</th>');
  });

  it('renders data as text, never as markup', () => {
    const html = renderToStaticMarkup(
      createElement(UsageChart, {
        title: 'Apps',
        description: 'x',
        times: ['2026-11-27T10:00:00.000Z'],
        bucket: 'hour',
        series: [{ label: '<img src=x onerror=alert(1)>', values: [1] }],
      }),
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
  });
});
