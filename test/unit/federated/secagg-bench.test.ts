import { describe, expect, it } from 'vitest';
import { renderScale, runScale } from '../../../bench/federated-secagg';

describe('bench/federated-secagg.ts', () => {
  it('runs a sparse round of 100 clients with dropouts, recovers the sum, and keeps every message O(k)', () => {
    const o = { length: 4, drop: 0.02, maxClients: 100, out: '' };
    const row = runScale(100, o);
    expect(row.survivors).toBe(98); // 2 % dropped after sharing keys (2 % more never answer)
    expect(row.maxError).toBeLessThan(1e-6);
    expect(row.degree).toBeLessThan(99);
    expect(row.largestServerMessage).toBeLessThan(row.denseLargestMessage);
    expect(row.failureBound).toBeLessThanOrEqual(1e-6);
    expect(renderScale([row], o, 1)).toContain(`| 100 | ${row.degree} | ${row.threshold} |`);
  });
});
