/** Small statistics helpers for the benchmark (pure). */

/** The p-th percentile (0..100) of `values` by nearest rank; NaN when empty. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The median of `values` (mean of the two middle ones when even); NaN when empty. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Per-key values divided by `decisions` (e.g. CPU ms per process over a
 * window -> CPU ms per decision); NaN for each key when there were none.
 */
export function perDecision(byKey: Record<string, number>, decisions: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(byKey)) out[k] = decisions > 0 ? v / decisions : Number.NaN;
  return out;
}

/** The sum of a record's values. */
export function total(byKey: Record<string, number>): number {
  return Object.values(byKey).reduce((a, b) => a + b, 0);
}

/** Per key, the median over the records that have it (a non-finite value is left out). */
export function medianByKey(records: Array<Record<string, number>>): Record<string, number> {
  const values: Record<string, number[]> = {};
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (!Number.isFinite(v)) continue;
      values[k] = [...(values[k] ?? []), v];
    }
  }
  return Object.fromEntries(Object.entries(values).map(([k, vs]) => [k, median(vs)]));
}
