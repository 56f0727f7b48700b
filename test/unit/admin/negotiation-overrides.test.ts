/**
 * Overrides inside a real negotiation (fake agents): hard constraints that the
 * decision and its record both show.
 */
import { describe, expect, it } from 'vitest';
import { explain, explainText } from '../../../services/admin/explain';
import { buildDecisionRecord } from '../../../services/broker/decision-log';
import { decide } from '../../../services/broker/negotiation';
import { ActiveOverrides } from '../../../services/broker/overrides';
import { decisionToWire } from '../../../services/broker/wire';
import type { Override } from '../../../services/common/domain/overrides';
import { cand, fakes, proposal, request, SLOT, wireDecide } from '../broker/fakes';

const NOW = Date.now();

function ov(over: Partial<Override>): Override {
  return {
    id: 'ov-1',
    kind: 'block',
    targetType: 'advertiser',
    targetId: 'adv-best',
    scenarios: [],
    boost: 0,
    categories: [],
    unlessExplicit: false,
    author: 'ana',
    reason: 'brand complaint',
    createdAtMs: NOW - 1000,
    expiresAtMs: 0,
    ...over,
  };
}

const best = cand('best', { pSkip: 0.05, pComplete: 0.95 });
const second = cand('second', { pSkip: 0.3, pComplete: 0.6 });

describe('overrides in a decision', () => {
  it('a blocked advertiser is never served and the record says which override applied', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([best, second]);
    const without = await decide(request(), f.deps);
    expect(without.placements.map((p) => p.candidate.creativeId)).toEqual(['best']);

    const overrides = new ActiveOverrides([ov({})], 7);
    const d = await decide(request(), { ...f.deps, overrides });
    expect(d.placements.map((p) => p.candidate.creativeId)).toEqual(['second']);
    const r = d.explanation.runnersUp.find((x) => x.creativeId === 'best');
    expect(r?.reason).toBe('REASON_OVERRIDE_BLOCKED');
    expect(r?.detail).toContain('ov-1');
    // The objective agent never saw the blocked candidate.
    expect(f.calls.evaluate.at(-1)?.candidates.map((c) => c.creativeId)).toEqual(['second']);

    const record = buildDecisionRecord(wireDecide(), decisionToWire(d), d, 'b1', NOW);
    expect(record.overrides).toEqual([
      expect.objectContaining({ override_id: 'ov-1', kind: 'block', creative_id: 'best' }),
    ]);
    expect(record.overrides_version).toBe(7);
    expect(record.rounds[0]?.screened.map((s) => s.reason)).toEqual(['REASON_OVERRIDE_BLOCKED']);
    expect(record.rounds[0]?.proposed.map((c) => c.creative_id)).toEqual(['best', 'second']);
    expect(record.scored.map((s) => s.creative_id)).toEqual(['second']);
    const text = explainText(record).join('\n');
    expect(text).toContain('second');
    expect(text).toMatch(/best: override_blocked — advertiser adv-best is blocked/);
    expect(explain(record).winners[0]?.creativeId).toBe('second');
  });

  it('a pinned campaign wins over a better one, and the loser says so', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([best, second]);
    const overrides = new ActiveOverrides(
      [ov({ id: 'pin-1', kind: 'pin', targetType: 'campaign', targetId: 'camp-second' })],
      1,
    );
    const d = await decide(request(), { ...f.deps, overrides });
    expect(d.placements.map((p) => p.candidate.creativeId)).toEqual(['second']);
    expect(d.explanation.runnersUp.find((x) => x.creativeId === 'best')?.reason).toBe(
      'REASON_OVERRIDE_PINNED',
    );
    expect(d.trace?.overrides.map((o) => o.overrideId)).toEqual(['pin-1']);
  });

  it('a boost can change the winner; separation keeps two of one category out of a pod', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([best, second]);
    const boosted = await decide(request(), {
      ...f.deps,
      overrides: new ActiveOverrides(
        [ov({ kind: 'boost', targetType: 'campaign', targetId: 'camp-second', boost: 5 })],
        1,
      ),
    });
    expect(boosted.placements[0]?.candidate.creativeId).toBe('second');
    expect(boosted.trace?.scored.find((s) => s.candidate.creativeId === 'second')?.boost).toBe(5);

    const pod = { ...SLOT, maxAds: 2, maxTotalDurationMs: 60_000 };
    const both = await decide(request({ slot: pod }), f.deps);
    expect(both.placements).toHaveLength(2);
    const separated = await decide(request({ slot: pod }), {
      ...f.deps,
      overrides: new ActiveOverrides(
        [ov({ kind: 'separation', targetType: '', targetId: '', categories: ['retail'] })],
        1,
      ),
    });
    expect(separated.placements.map((p) => p.candidate.creativeId)).toEqual(['best']);
    expect(separated.explanation.runnersUp.find((x) => x.creativeId === 'second')?.reason).toBe(
      'REASON_COMPETITIVE_SEPARATION',
    );
  });

  it('a paused campaign is removed everywhere; an expired override no longer applies', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([best]);
    const paused = await decide(request(), {
      ...f.deps,
      overrides: new ActiveOverrides(
        [ov({ kind: 'pause', targetType: 'campaign', targetId: 'camp-best' })],
        1,
      ),
    });
    expect(paused.noAd).toBe(true);
    expect(paused.noAdReasons).toContain('REASON_OVERRIDE_PAUSED');
    const expired = await decide(request(), {
      ...f.deps,
      overrides: new ActiveOverrides([ov({ expiresAtMs: NOW - 1 })], 1),
    });
    expect(expired.placements.map((p) => p.candidate.creativeId)).toEqual(['best']);
  });
});
