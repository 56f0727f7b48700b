import { describe, expect, it } from 'vitest';
import { assemblePod, type Scored } from '../../../services/broker/pod';
import type { Candidate, Slot } from '../../../services/common/domain/types';
import { cand } from './fakes';

const scored = (c: Candidate, utility: number): Scored => ({
  candidate: c,
  terms: { terms: {}, utility },
});
const slot = (over: Partial<Slot> = {}): Slot => ({
  slotId: 's',
  position: 'mid',
  maxAds: 1,
  maxTotalDurationMs: 30_000,
  ...over,
});
const ids = (xs: Scored[]) => xs.map((s) => s.candidate.creativeId);
const reasonOf = (pod: ReturnType<typeof assemblePod>, id: string) =>
  pod.losers.find((l) => l.scored.candidate.creativeId === id)?.reason;

describe('pod assembly', () => {
  it('puts sponsorship before standard before house, whatever the utility', () => {
    const pod = assemblePod(
      [
        scored(cand('house', { tier: 'house' }), 9),
        scored(cand('std', { tier: 'standard' }), 5),
        scored(cand('spon', { tier: 'sponsorship' }), 1),
      ],
      slot(),
    );
    expect(ids(pod.placed)).toEqual(['spon']);
    expect(reasonOf(pod, 'std')).toBe('REASON_LOWER_PRIORITY_TIER');
    expect(reasonOf(pod, 'house')).toBe('REASON_LOWER_PRIORITY_TIER');
  });

  it('ranks by utility within a tier; a plain loser is outranked', () => {
    const pod = assemblePod([scored(cand('low'), 0.2), scored(cand('high'), 0.9)], slot());
    expect(ids(pod.placed)).toEqual(['high']);
    expect(reasonOf(pod, 'low')).toBe('REASON_OUTRANKED');
  });

  it('keeps competitors apart: one ad per advertiser and per separation category', () => {
    const pod = assemblePod(
      [
        scored(cand('a1', { advertiserId: 'acme', separationCategories: ['auto'] }), 0.9),
        scored(cand('a2', { advertiserId: 'acme' }), 0.8),
        scored(cand('b1', { advertiserId: 'bolt', separationCategories: ['Auto'] }), 0.7),
        scored(cand('c1', { advertiserId: 'cola', separationCategories: ['drinks'] }), 0.6),
      ],
      slot({ maxAds: 4, maxTotalDurationMs: 120_000 }),
    );
    expect(ids(pod.placed)).toEqual(['a1', 'c1']);
    expect(reasonOf(pod, 'a2')).toBe('REASON_COMPETITIVE_SEPARATION');
    expect(reasonOf(pod, 'b1')).toBe('REASON_COMPETITIVE_SEPARATION');
  });

  it('fills up to maxAds within maxTotalDurationMs; the rest find the pod full', () => {
    const pod = assemblePod(
      [
        scored(cand('a', { durationMs: 20_000 }), 0.9),
        scored(cand('b', { durationMs: 20_000 }), 0.8),
        scored(cand('c', { durationMs: 10_000 }), 0.7),
        scored(cand('d', { durationMs: 5_000 }), 0.6),
      ],
      slot({ maxAds: 2, maxTotalDurationMs: 30_000 }),
    );
    expect(ids(pod.placed)).toEqual(['a', 'c']);
    const total = pod.placed.reduce((s, p) => s + p.candidate.durationMs, 0);
    expect(total).toBeLessThanOrEqual(30_000);
    expect(reasonOf(pod, 'b')).toBe('REASON_POD_FULL');
    expect(reasonOf(pod, 'd')).toBe('REASON_POD_FULL');
  });

  it('rejects an ad longer than the whole slot as too long', () => {
    const pod = assemblePod(
      [scored(cand('long', { durationMs: 40_000 }), 1), scored(cand('ok'), 0.1)],
      slot(),
    );
    expect(ids(pod.placed)).toEqual(['ok']);
    expect(reasonOf(pod, 'long')).toBe('REASON_DURATION_TOO_LONG');
  });

  it('keeps fixed (already committed) ads and fills around them', () => {
    const fixed = [scored(cand('kept', { advertiserId: 'acme' }), 0.1)];
    const pod = assemblePod(
      [scored(cand('rival', { advertiserId: 'acme' }), 0.9), scored(cand('other'), 0.5)],
      slot({ maxAds: 2 }),
      fixed,
    );
    expect(ids(pod.placed).sort()).toEqual(['kept', 'other']);
    expect(reasonOf(pod, 'rival')).toBe('REASON_COMPETITIVE_SEPARATION');
  });
});
