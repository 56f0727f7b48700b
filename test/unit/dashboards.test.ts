/**
 * The Grafana dashboard (deploy/grafana/parley.json) and the Prometheus
 * alert rules (deploy/prometheus/alerts.yaml) against what the code exports:
 * every metric a query names is one services/common/metrics.ts defines
 * (exportedMetricNames: the instruments themselves, with the suffixes
 * Prometheus shows), and every label it matches or groups by is one the
 * metrics carry (METRIC_ATTR, as Prometheus spells it, or the scrape's own
 * job/instance/le). A renamed metric fails here instead of leaving an empty
 * panel or an alert that never fires; docs/operations.md lists every one.
 * test/e2e/metrics.test.ts checks that a running mesh serves nothing outside
 * exportedMetricNames.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportedMetricNames } from '../../services/common/metrics';
import { METRIC_ATTR } from '../../services/common/semconv';

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

/** PromQL functions, aggregations and keywords the files use (anything else must be a metric name). */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'rate',
  'increase',
  'histogram_quantile',
  'vector',
  'or',
  'and',
  'unless',
]);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

/** The metric names and label names one PromQL expression refers to. */
function promqlRefs(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""'); // label values can hold anything
  rest = rest.replace(/\{([^}]*)\}/g, (_, body: string) => {
    for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.push(m[1]!);
    return ' ';
  });
  rest = rest.replace(GROUPING, (_, _kw: string, list: string) => {
    for (const l of list.split(',')) if (l.trim()) labels.push(l.trim());
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' '); // range selectors: [5m]
  const words = rest.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return { metrics: words.filter((w) => !PROMQL_WORDS.has(w)), labels };
}

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

const dashboard = JSON.parse(read('deploy/grafana/parley.json')) as { uid: string; panels: Panel[] };
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const dashboardExprs = panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr })),
);

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
}
const alerts = parse(read('deploy/prometheus/alerts.yaml')) as { groups: Array<{ rules: Rule[] }> };
const rules = alerts.groups.flatMap((g) => g.rules);

const EXPORTED = new Set(exportedMetricNames());
const LABELS = new Set(Object.values(METRIC_ATTR).map((a) => a.replace(/\./g, '_')));
for (const l of ['le', 'job', 'instance']) LABELS.add(l);

describe('promqlRefs', () => {
  it('tells metric names from functions, labels, values and ranges', () => {
    expect(
      promqlRefs(
        'histogram_quantile(0.99, sum by (le, parley_agent) (rate(rpc_client_duration_seconds_bucket{rpc_service="parley.v1.Agent", x!="a{b}"}[5m]))) > 0.1',
      ),
    ).toEqual({
      metrics: ['rpc_client_duration_seconds_bucket'],
      labels: ['rpc_service', 'x', 'le', 'parley_agent'],
    });
    // A name the code does not export is caught (the check below is not vacuous).
    const { metrics } = promqlRefs('sum(rate(parley_decision_duration_milliseconds_count[1m]))');
    expect(metrics.filter((m) => !EXPORTED.has(m))).toEqual(['parley_decision_duration_milliseconds_count']);
  });
});

describe('the Grafana dashboard', () => {
  it('has the panels operators asked for', () => {
    expect(dashboard.uid).toBe('parley-mesh');
    const titles = panels.map((p) => p.title);
    for (const t of [
      'Decisions/s',
      'Fill rate',
      'Decision latency p99 / p50',
      'Degraded share',
      'Degraded by part',
      'Pacing multiplier',
      'Skip and completion rate',
      'Online learning steps',
      'Model versions in use',
      'Federated rounds',
    ])
      expect(titles).toContain(t);
    expect(dashboardExprs.length).toBeGreaterThan(20);
  });

  it.each(dashboardExprs.map((e) => [e.where, e.expr]))(
    '%s: %s names only exported metrics and labels',
    (_, expr) => {
      const { metrics, labels } = promqlRefs(expr);
      expect(metrics.length, 'names a metric').toBeGreaterThan(0);
      for (const m of metrics) expect(EXPORTED, m).toContain(m);
      for (const l of labels) expect(LABELS, l).toContain(l);
    },
  );

  it('reads durations in seconds', () => {
    for (const { expr } of dashboardExprs) expect(expr).not.toMatch(/milliseconds/);
  });
});

describe('the Prometheus alert rules', () => {
  it('cover the SLOs: degraded share, decision p99, overspend (immediately, critical)', () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    const degraded = byName.get('ParleyDegradedShareHigh');
    expect(degraded?.expr).toMatch(/parley_decision_degraded="true"/);
    expect(degraded?.expr).toMatch(/> 0\.05\s*$/);
    const p99 = byName.get('ParleyDecisionLatencyP99High');
    expect(p99?.expr).toMatch(/histogram_quantile\(0\.99, .*parley_decision_duration_seconds_bucket/);
    expect(p99?.expr).toMatch(/> 0\.1\s*$/); // 100 ms, in seconds
    const overspend = byName.get('ParleyCampaignOverspent');
    expect(overspend?.expr).toMatch(
      /parley_campaign_spent_micros[\s\S]*> on[\s\S]*parley_campaign_budget_micros/,
    );
    expect(overspend?.for).toBe('0m');
    expect(overspend?.labels?.severity).toBe('critical');
  });

  it.each(rules.map((r) => [r.alert, r.expr]))('%s names only exported metrics and labels', (_, expr) => {
    const { metrics, labels } = promqlRefs(expr);
    expect(metrics.length, 'names a metric').toBeGreaterThan(0);
    for (const m of metrics) expect(EXPORTED, m).toContain(m);
    for (const l of labels) expect(LABELS, l).toContain(l);
  });
});

describe('docs/operations.md', () => {
  it('lists every metric the code exports', () => {
    const doc = read('docs/operations.md');
    const families = new Set(exportedMetricNames().map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect(families.size).toBeGreaterThan(20);
    for (const f of families) expect(doc, f).toContain(`\`${f}`);
  });
});
