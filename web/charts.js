// parley dashboard charts: time-series line charts drawn by uPlot (served by
// the admin service from node_modules at /vendor/uplot.js, no CDN), with
// axes, gridlines, unit labels and a tooltip that follows the cursor.
// A chart is kept per key and given new data on each refresh, so it does
// not flicker; window.parleyCharts holds them (tests read their axes).

/* global uPlot */

window.parleyCharts = new Map();

const GRID = { stroke: '#e3e7ec', width: 1 };
const TICKS = { stroke: '#c5cdd8', width: 1, size: 4 };
const AXIS_FONT = '11px system-ui, sans-serif';
const LABEL_FONT = '600 11px system-ui, sans-serif';
/** How both axes look (uPlot axis options). */
const AXIS = {
  labelFont: LABEL_FONT,
  labelSize: 18,
  font: AXIS_FONT,
  grid: GRID,
  ticks: TICKS,
  stroke: '#5b6676',
};

/** A tooltip in the plot area: the time under the cursor and each series' value there. */
function tooltipPlugin(format) {
  let tip;
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'chart-tip';
        tip.hidden = true;
        u.over.appendChild(tip);
        u.over.addEventListener('mouseleave', () => {
          tip.hidden = true;
        });
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i === null || i === undefined || u.cursor.left < 0) {
          tip.hidden = true;
          return;
        }
        const lines = [new Date(u.data[0][i] * 1000).toLocaleTimeString()];
        for (let s = 1; s < u.series.length; s++) {
          const v = u.data[s][i];
          lines.push(`${u.series[s].label}: ${v === null || v === undefined ? '–' : format(v)}`);
        }
        tip.textContent = lines.join('\n');
        tip.hidden = false;
        const left = u.cursor.left;
        const width = u.over.clientWidth;
        tip.style.left = `${left > width / 2 ? left - tip.offsetWidth - 8 : left + 8}px`;
        tip.style.top = `${Math.max(0, u.cursor.top - tip.offsetHeight - 8)}px`;
      },
    },
  };
}

/**
 * Draws (or updates) a line chart in `box`.
 *   key      stable id of the chart (its uPlot instance is reused)
 *   x        times, unix ms
 *   series   [{label, values, color, dash}]
 *   yLabel   the y axis's label with its unit, e.g. "spend (EUR)"
 *   format   a y value → text (tick labels and tooltip)
 *   yRange   optional [min, max]; default: fitted to the data
 */
function lineChart(box, { key, title, x, series, yLabel, format, yRange }) {
  const data = [x.map((ms) => ms / 1000), ...series.map((s) => s.values)];
  const width = Math.max(200, box.clientWidth || 300);
  const existing = window.parleyCharts.get(key);
  if (existing?.root.isConnected && existing.root.parentNode === box) {
    existing.setData(data);
    if (existing.width !== width) existing.setSize({ width, height: existing.height });
    return existing;
  }
  existing?.destroy();
  box.replaceChildren();
  const opts = {
    title,
    width,
    height: 180,
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { show: true, live: false },
    scales: {
      x: { time: true },
      y: yRange ? { range: () => yRange } : { range: (_u, min, max) => padded(min, max) },
    },
    axes: [
      { ...AXIS, label: 'time' },
      { ...AXIS, label: yLabel, size: 64, values: (_u, ticks) => ticks.map(format) },
    ],
    series: [
      { label: 'time' },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash,
        points: { show: false },
        value: (_u, v) => (v === null || v === undefined ? '–' : format(v)),
      })),
    ],
    plugins: [tooltipPlugin(format)],
  };
  const u = new uPlot(opts, data, box);
  window.parleyCharts.set(key, u);
  return u;
}

/** A y range around the data with a little room, so a flat line sits inside the plot, not on its edge. */
function padded(min, max) {
  if (min === null || max === null) return [0, 1];
  const span = max - min;
  const pad = span > 0 ? span * 0.1 : Math.max(Math.abs(max) * 0.1, 1);
  return [Math.max(0, min - pad), max + pad];
}

/** Drops the charts whose boxes left the page (e.g. a campaign filtered out). */
function pruneCharts() {
  for (const [key, u] of window.parleyCharts) {
    if (!u.root.isConnected) {
      u.destroy();
      window.parleyCharts.delete(key);
    }
  }
}

window.ParleyCharts = { lineChart, pruneCharts };
