/**
 * The reports' charts (charts/): what each spec shows, and that Vega draws it
 * to a self-contained SVG with its titles, axis labels and legend.
 */
import { describe, expect, it } from 'vitest';
import { barChart, type Chart, groupedBarChart, lineChart, toSvg } from '../../charts';

type Layer = { data?: { values: Array<Record<string, unknown>> }; mark: unknown };
const layers = (c: Chart) => c.layer as Layer[];

describe('charts', () => {
  it('a line chart keeps finite points, marks dashed series and puts bands behind the lines', () => {
    const c = lineChart(
      'Latency',
      'time (s)',
      'latency (ms)',
      [
        {
          name: 'p99',
          points: [
            { x: 0, y: 10 },
            { x: 1, y: Number.NaN },
            { x: 2, y: 30 },
          ],
        },
        {
          name: 'deadline',
          points: [
            { x: 0, y: 100 },
            { x: 2, y: 100 },
          ],
          dashed: true,
        },
      ],
      { bands: [{ from: 1, to: 2, label: 'spike ×5' }] },
    );
    const [band, label, lines] = layers(c);
    expect(band?.data?.values).toEqual([{ from: 1, to: 2, middle: 1.5, label: 'spike ×5' }]);
    expect(label?.mark).toMatchObject({ type: 'text' });
    expect(lines?.data?.values).toEqual([
      { series: 'p99', i: 0, x: 0, y: 10, dashed: false },
      { series: 'p99', i: 1, x: 2, y: 30, dashed: false },
      { series: 'deadline', i: 0, x: 0, y: 100, dashed: true },
      { series: 'deadline', i: 1, x: 2, y: 100, dashed: true },
    ]);
  });

  it('on a log y axis points at or below 0 are left out, not drawn at the bottom', () => {
    const c = lineChart(
      'Rates',
      'requests in flight',
      'decisions per second',
      [
        {
          name: 'real',
          points: [
            { x: 1, y: 100 },
            { x: 2, y: 0 },
          ],
        },
      ],
      { logY: true },
    );
    const [lines] = layers(c);
    expect(lines?.data?.values.map((r) => r.y)).toEqual([100]);
  });

  it('draws line, bar and grouped bar charts, stacked, with their labels escaped', async () => {
    const svg = await toSvg(
      lineChart('a<b', 'requests in flight', 'good decisions per second (1/s)', [
        {
          name: 'real & bare',
          points: [
            { x: 1, y: 100 },
            { x: 4, y: 300 },
          ],
        },
      ]),
      barChart('Skips', 'ratio to price-first', [{ label: 'parley', mean: 0.8, lo: 0.7, hi: 0.9 }], {
        value: 0.8,
        label: 'target 0.8×',
      }),
      groupedBarChart('Attacks', 'reward per decision', [
        { label: 'scaled 20%', bars: [{ name: 'median', value: 0.6 }] },
      ]),
    );
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    for (const text of [
      'a&lt;b',
      'real &amp; bare',
      'good decisions per second (1/s)',
      'ratio to price-first',
      'target 0.8×',
      'scaled 20%',
    ])
      expect(svg).toContain(text);
    expect(svg).not.toContain('NaN');
  });
});
