/** Minimal, dependency-free SVG charts for the evaluation report. */

export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Draw as a horizontal dashed reference line at points[0][1]. */
  reference?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceRange(lo: number, hi: number): [number, number] {
  if (lo === hi) return [lo - 0.01, hi + 0.01];
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Series[] }): string {
  const W = 720;
  const H = 360;
  const m = { l: 64, r: 190, t: 36, b: 48 };
  const all = o.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, 1)];
  const [y0, y1] = niceRange(Math.min(...ys), Math.max(...ys));
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(o.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = y0 + ((y1 - y0) * i) / 5;
    out.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${m.l - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${y.toFixed(3)}</text>`,
    );
    const x = x0 + ((x1 - x0) * i) / 5;
    out.push(
      `<text x="${px(x).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${Math.round(x)}</text>`,
    );
  }
  out.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (s.reference) {
      const y = py(s.points[0]![1]).toFixed(1);
      out.push(
        `<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="${color}" stroke-dasharray="6 4"/>`,
      );
    } else {
      const d = s.points
        .map((p, k) => `${k ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
        .join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const ly = m.t + 8 + i * 18;
    out.push(
      `<line x1="${W - m.r + 12}" x2="${W - m.r + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.reference ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${W - m.r + 42}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface BarGroup {
  label: string;
  bars: Array<{ name: string; value: number }>;
}

export function groupedBarChart(o: {
  title: string;
  yLabel: string;
  groups: BarGroup[];
  reference?: { name: string; value: number };
}): string {
  const W = 720;
  const H = 360;
  const m = { l: 64, r: 170, t: 36, b: 48 };
  const names = [...new Set(o.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const values = o.groups
    .flatMap((g) => g.bars.map((b) => b.value))
    .concat(o.reference ? [o.reference.value] : []);
  const y0 = Math.min(0, ...values);
  const y1 = Math.max(...values) * 1.08;
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const groupW = (W - m.l - m.r) / Math.max(1, o.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, names.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(o.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = y0 + ((y1 - y0) * i) / 5;
    out.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${m.l - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${y.toFixed(2)}</text>`,
    );
  }
  o.groups.forEach((g, gi) => {
    const gx = m.l + gi * groupW + groupW * 0.1;
    g.bars.forEach((b) => {
      const k = names.indexOf(b.name);
      const top = py(Math.max(0, b.value));
      const bottom = py(Math.min(0, b.value));
      out.push(
        `<rect x="${(gx + k * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(0, bottom - top).toFixed(1)}" fill="${COLORS[k % COLORS.length]}"/>`,
      );
    });
    out.push(
      `<text x="${(gx + groupW * 0.4).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${esc(g.label)}</text>`,
    );
  });
  if (o.reference) {
    const y = py(o.reference.value).toFixed(1);
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="6 4"/>`);
  }
  out.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${py(0).toFixed(1)}" y2="${py(0).toFixed(1)}" stroke="#333"/>`,
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  names.forEach((n, k) => {
    const ly = m.t + 8 + k * 18;
    out.push(
      `<rect x="${W - m.r + 12}" y="${ly - 6}" width="14" height="12" fill="${COLORS[k % COLORS.length]}"/>`,
      `<text x="${W - m.r + 32}" y="${ly + 4}">${esc(n)}</text>`,
    );
  });
  if (o.reference) {
    const ly = m.t + 8 + names.length * 18;
    out.push(
      `<line x1="${W - m.r + 12}" x2="${W - m.r + 26}" y1="${ly}" y2="${ly}" stroke="#000" stroke-dasharray="4 3"/>`,
      `<text x="${W - m.r + 32}" y="${ly + 4}">${esc(o.reference.name)}</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
