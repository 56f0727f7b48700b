/**
 * Charts for the reports (the benchmarks, the learning experiment, the
 * federated evaluation). Each chart is a Vega-Lite view spec built by a plain
 * function, so a test can look at what it shows without drawing it; toSvg()
 * draws one, or several stacked, to a self-contained SVG with Vega, headless
 * (no browser, no canvas). Vega is loaded on the first drawing only.
 */

/** A Vega-Lite view (unit, layer or concatenation), without the top-level `$schema` and config. */
export type Chart = Record<string, unknown>;

export interface Series {
  name: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Drawn dashed (a reference or a target, not a measurement). */
  dashed?: boolean;
}

export interface LineChartOptions {
  /** Shaded x ranges with a label (e.g. a load spike). */
  bands?: ReadonlyArray<{ from: number; to: number; label: string; color?: string }>;
  /** The y axis starts at 0 (for quantities that cannot be negative). */
  fromZero?: boolean;
  /** A logarithmic x axis (base 2: concurrency levels). */
  logX?: boolean;
  /** The x values to label (default: the scale's own ticks). */
  xTicks?: readonly number[];
  /** A logarithmic y axis (series orders of magnitude apart); points at or below 0 are left out. */
  logY?: boolean;
  width?: number;
  height?: number;
  /** Points drawn as dots (default true; off for long series). */
  dots?: boolean;
}

const BAR_COLOR = '#4c78a8';

/** The series' finite points as rows (on a log y axis the positive ones), in order, each with its place in its series. */
function rows(series: readonly Series[], logY = false) {
  return series.flatMap((s) =>
    s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logY || p.y > 0))
      .map((p, i) => ({ series: s.name, i, x: p.x, y: p.y, dashed: s.dashed === true })),
  );
}

/** Lines, one per series, with a legend; optional shaded bands behind them. */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  opts: LineChartOptions = {},
): Chart {
  const names = series.map((s) => s.name);
  // Each band its own rect and label, behind the lines.
  const layers: Chart[] = (opts.bands ?? []).flatMap((b) => {
    const data = { values: [{ from: b.from, to: b.to, middle: (b.from + b.to) / 2, label: b.label }] };
    return [
      {
        data,
        mark: { type: 'rect', color: b.color ?? '#f4c7c3', opacity: 0.5 },
        encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
      },
      {
        data,
        mark: { type: 'text', baseline: 'top', dy: 4, y: 0 },
        encoding: { x: { field: 'middle', type: 'quantitative' }, text: { field: 'label' } },
      },
    ];
  });
  layers.push({
    data: { values: rows(series, opts.logY) },
    mark: { type: 'line', point: opts.dots ?? true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: xLabel,
        scale: opts.logX ? { type: 'log', base: 2 } : { zero: false },
        ...(opts.xTicks ? { axis: { values: opts.xTicks } } : {}),
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: yLabel,
        scale: opts.logY ? { type: 'log' } : { zero: opts.fromZero === true },
      },
      // Each line through its points in the order given (a boundary may turn back on x).
      order: { field: 'i', type: 'quantitative' },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: names,
        scale: { domain: names },
        legend: { labelLimit: 320 },
      },
      strokeDash: {
        field: 'dashed',
        type: 'nominal',
        legend: null,
        scale: {
          domain: [false, true],
          range: [
            [1, 0],
            [6, 4],
          ],
        },
      },
    },
  });
  return { title, width: opts.width ?? 480, height: opts.height ?? 240, layer: layers };
}

export interface Bar {
  label: string;
  mean: number;
  /** The 95% interval drawn as a whisker (lo = hi = mean for none). */
  lo: number;
  hi: number;
}

/** Bars with interval whiskers, and an optional dashed target line. */
export function barChart(
  title: string,
  yLabel: string,
  bars: readonly Bar[],
  target?: { value: number; label: string },
): Chart {
  const labels = bars.map((b) => b.label);
  const x = { field: 'label', type: 'nominal', title: null, sort: labels, axis: { labelAngle: 0 } };
  const layers: Chart[] = [
    {
      mark: { type: 'bar', color: BAR_COLOR, opacity: 0.85 },
      encoding: { x, y: { field: 'mean', type: 'quantitative', title: yLabel } },
    },
    {
      mark: { type: 'rule', color: 'black' },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    },
  ];
  if (target) layers.push(...targetLine(target.value, target.label));
  return {
    title,
    width: Math.max(240, 70 * bars.length),
    height: 220,
    data: { values: bars },
    layer: layers,
  };
}

export interface BarGroup {
  label: string;
  bars: ReadonlyArray<{ name: string; value: number }>;
}

/** Groups of bars side by side (one colour per bar name), with an optional dashed reference line. */
export function groupedBarChart(
  title: string,
  yLabel: string,
  groups: readonly BarGroup[],
  reference?: { value: number; label: string },
): Chart {
  const values = groups.flatMap((g) => g.bars.map((b) => ({ group: g.label, name: b.name, value: b.value })));
  const layers: Chart[] = [
    {
      mark: 'bar',
      encoding: {
        x: {
          field: 'group',
          type: 'nominal',
          title: null,
          sort: groups.map((g) => g.label),
          axis: { labelAngle: 0 },
        },
        xOffset: { field: 'name', type: 'nominal' },
        y: { field: 'value', type: 'quantitative', title: yLabel },
        color: { field: 'name', type: 'nominal', title: null },
      },
    },
  ];
  if (reference) layers.push(...targetLine(reference.value, reference.label));
  return { title, width: Math.max(320, 110 * groups.length), height: 240, data: { values }, layer: layers };
}

/** A dashed horizontal line at `value`, labelled at its right end. */
function targetLine(value: number, label: string): Chart[] {
  const data = { values: [{ value, label }] };
  return [
    {
      data,
      mark: { type: 'rule', strokeDash: [5, 4], color: 'black' },
      encoding: { y: { field: 'value', type: 'quantitative' } },
    },
    {
      data,
      mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, x: 'width' },
      encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
    },
  ];
}

/**
 * Draws charts to one SVG, one above the other. Each keeps its own scales
 * and legend.
 */
export async function toSvg(...charts: Chart[]): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view =
    charts.length === 1 ? charts[0]! : { vconcat: charts, resolve: { scale: { color: 'independent' } } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    config: { font: 'sans-serif', title: { fontSize: 13, anchor: 'start' } },
    ...view,
  };
  const compiled = vegaLite.compile(spec as Parameters<typeof vegaLite.compile>[0]).spec;
  const svg = await new vega.View(vega.parse(compiled), { renderer: 'none' }).toSVG();
  return `${svg}\n`;
}
