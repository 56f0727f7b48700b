import { describe, expect, it } from 'vitest';
import { LinUcb } from '../../../learning/linucb';
import { seededRng } from '../../../services/common/rng';

describe('LinUCB over candidate features', () => {
  it('recovers a linear reward: its estimate equals the ridge regression solved directly', () => {
    const rng = seededRng(4);
    const d = 4;
    const truth = [0.5, -1, 2, 0.25];
    const xs: number[][] = [];
    const ys: number[] = [];
    const bandit = new LinUcb(d, 1);
    for (let n = 0; n < 300; n++) {
      const x = Array.from({ length: d }, () => rng.next() * 2 - 1);
      const y = x.reduce((s, v, i) => s + v * truth[i]!, 0) + (rng.next() - 0.5) * 0.1;
      xs.push(x);
      ys.push(y);
      bandit.update(x, y);
    }
    // Ridge by the normal equations, (XᵀX + I) θ = Xᵀy, solved by Gauss–Jordan.
    const m = Array.from({ length: d }, (_, i) => [
      ...Array.from({ length: d }, (_, j) => xs.reduce((s, x) => s + x[i]! * x[j]!, 0) + (i === j ? 1 : 0)),
      xs.reduce((s, x, k) => s + x[i]! * ys[k]!, 0),
    ]);
    for (let c = 0; c < d; c++) {
      const p = m[c]![c]!;
      for (let j = 0; j <= d; j++) m[c]![j]! /= p;
      for (let r = 0; r < d; r++)
        if (r !== c) {
          const f = m[r]![c]!;
          for (let j = 0; j <= d; j++) m[r]![j]! -= f * m[c]![j]!;
        }
    }
    const theta = m.map((row) => row[d]!);
    for (let i = 0; i < d; i++) {
      const e = new Array(d).fill(0);
      e[i] = 1;
      expect(bandit.mean(e)).toBeCloseTo(theta[i]!, 6);
      expect(bandit.mean(e)).toBeCloseTo(truth[i]!, 1);
    }
    expect(bandit.observations).toBe(300);
  });

  it('is optimistic about what it has not seen, less so the more it sees, and a clone is independent', () => {
    const bandit = new LinUcb(2, 1);
    const seen = [1, 0];
    const unseen = [0, 1];
    for (let n = 0; n < 50; n++) bandit.update(seen, 0.5);
    expect(bandit.width(unseen)).toBeCloseTo(1, 9);
    expect(bandit.width(seen)).toBeLessThan(0.2);
    // With exploration the unseen arm's bound beats the seen one's mean; without, it does not.
    expect(bandit.score(unseen, 1)).toBeGreaterThan(bandit.score(seen, 1));
    expect(bandit.score(unseen, 0)).toBeLessThan(bandit.score(seen, 0));
    const copy = bandit.clone();
    copy.update(unseen, 5);
    expect(bandit.mean(unseen)).toBe(0);
    expect(copy.mean(unseen)).toBeGreaterThan(2);
  });

  it('names the bad argument', () => {
    expect(() => new LinUcb(0)).toThrow(/dims/);
    expect(() => new LinUcb(2, 0)).toThrow(/lambda/);
    expect(() => new LinUcb(2).update([1], 1)).toThrow(/x: expected 2/);
    expect(() => new LinUcb(2).update([1, 0], Number.NaN)).toThrow(/reward/);
  });
});
