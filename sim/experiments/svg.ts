/** Minimal dependency-free SVG charts for the experiment report. */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export interface Series {
  name: string;
  points: Array<{ x: number; y: number }>;
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

export interface LineChartOptions {
  /** Shaded x ranges with a label (e.g. a load spike). */
  bands?: Array<{ from: number; to: number; label: string; color?: string }>;
  /** The y axis starts at 0 (for quantities that cannot be negative). */
  fromZero?: boolean;
  width?: number;
  /** Points drawn as dots (default true; off for long series). */
  dots?: boolean;
}

/** A line chart (e.g. a learning curve). */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  opts: LineChartOptions = {},
): string {
  const W = opts.width ?? 560;
  const H = 300;
  const m = { l: 60, r: 140, t: 30, b: 45 };
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) x1 = x0 + 1;
  const pad = (y1 - y0) * 0.1 || 0.1;
  y0 = opts.fromZero ? 0 : y0 - pad;
  y1 += pad;
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.r / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#333"/>`,
  ];
  for (const b of opts.bands ?? [])
    parts.push(
      `<rect x="${X(b.from).toFixed(1)}" y="${m.t}" width="${(X(b.to) - X(b.from)).toFixed(1)}" height="${H - m.t - m.b}" fill="${b.color ?? '#f4c7c3'}" opacity="0.5"/>`,
      `<text x="${((X(b.from) + X(b.to)) / 2).toFixed(1)}" y="${m.t + 12}" text-anchor="middle">${esc(b.label)}</text>`,
    );
  for (const t of niceTicks(y0, y1))
    parts.push(
      `<line x1="${m.l}" y1="${Y(t)}" x2="${W - m.r}" y2="${Y(t)}" stroke="#eee"/><text x="${m.l - 5}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    );
  for (const t of niceTicks(x0, x1))
    parts.push(`<text x="${X(t)}" y="${H - m.b + 15}" text-anchor="middle">${fmt(t)}</text>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(
    `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    const d = pts.map((p, j) => `${j ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    if (opts.dots ?? true)
      for (const p of pts)
        parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3" fill="${c}"/>`);
    parts.push(
      `<rect x="${W - m.r + 10}" y="${m.t + i * 18}" width="12" height="3" fill="${c}"/><text x="${W - m.r + 27}" y="${m.t + i * 18 + 5}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface Bar {
  label: string;
  mean: number;
  lo: number;
  hi: number;
}

/** Bars with 95% CI whiskers, and an optional dashed target line. */
export function barChart(
  title: string,
  yLabel: string,
  bars: readonly Bar[],
  target?: { value: number; label: string },
): string {
  const W = Math.max(420, 80 + 75 * bars.length);
  const H = 260;
  const m = { l: 60, r: 20, t: 30, b: 40 };
  const hi = Math.max(...bars.map((b) => b.hi), target?.value ?? 0) * 1.1 || 1;
  const lo = Math.min(0, ...bars.map((b) => b.lo));
  const Y = (v: number) => H - m.b - ((v - lo) / (hi - lo)) * (H - m.t - m.b);
  const bw = (W - m.l - m.r) / bars.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${m.l}" y1="${Y(0)}" x2="${W - m.r}" y2="${Y(0)}" stroke="#333"/>`,
  ];
  for (const t of niceTicks(lo, hi))
    parts.push(
      `<line x1="${m.l}" y1="${Y(t)}" x2="${W - m.r}" y2="${Y(t)}" stroke="#eee"/><text x="${m.l - 5}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    );
  parts.push(
    `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  bars.forEach((b, i) => {
    const x = m.l + i * bw + bw * 0.15;
    const w = bw * 0.7;
    const c = COLORS[i % COLORS.length];
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${Math.min(Y(b.mean), Y(0)).toFixed(1)}" width="${w.toFixed(1)}" height="${Math.abs(Y(0) - Y(b.mean)).toFixed(1)}" fill="${c}" opacity="0.8"/>`,
      `<line x1="${(x + w / 2).toFixed(1)}" y1="${Y(b.lo).toFixed(1)}" x2="${(x + w / 2).toFixed(1)}" y2="${Y(b.hi).toFixed(1)}" stroke="#000"/>`,
      `<text x="${(x + w / 2).toFixed(1)}" y="${H - m.b + 15}" text-anchor="middle">${esc(b.label)}</text>`,
    );
  });
  if (target) {
    parts.push(
      `<line x1="${m.l}" y1="${Y(target.value)}" x2="${W - m.r}" y2="${Y(target.value)}" stroke="#000" stroke-dasharray="5,4"/>`,
      `<text x="${W - m.r}" y="${Y(target.value) - 4}" text-anchor="end">${esc(target.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Charts one above the other in one SVG (each keeps its own size). */
export function stackCharts(charts: readonly string[]): string {
  const size = (svg: string) => ({
    w: Number(/width="(\d+)"/.exec(svg)?.[1] ?? 0),
    h: Number(/height="(\d+)"/.exec(svg)?.[1] ?? 0),
  });
  const W = Math.max(...charts.map((c) => size(c).w));
  let y = 0;
  const parts = charts.map((c) => {
    const placed = c.replace('<svg ', `<svg y="${y}" `);
    y += size(c).h;
    return placed;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}">`,
    ...parts,
    '</svg>',
  ].join('\n');
}
