import { describe, expect, it } from 'vitest';
import { adjacency, BRAND_SAFETY_MODEL_VERSION, critique } from '../../../services/brand-safety/critique';
import { parseCatalogue } from '../../../services/common/catalogue/load';
import type { ContentSignals, CritiqueInput, Signals } from '../../../services/common/domain/types';
import { signals, snapshot } from '../inventory/fixtures';
import { candidate } from '../objective/fixtures';

/** Four advertisers, as people write them in a catalogue. */
const CATALOGUE = parseCatalogue(`
advertisers:
  - id: relaxed
    category: beer
  - id: strict
    category: toys
    brand_safety:
      max_risk: { default: low }
      avoid_explicit: true
  - id: news-ok
    category: insurance
    brand_safety:
      max_risk: { crime: medium, death_injury_conflict: medium }
      avoid_topics: [true-crime, road-accidents]
  - id: bank
    category: banking
    brand_safety:
      max_risk: { default: medium, crime: high }
campaigns: []
creatives: []
`);
const PREFS = (id: string) => CATALOGUE.advertisers.get(id)!.brandSafety;

const content = (o: Partial<ContentSignals> = {}): ContentSignals => ({
  kind: 'podcast',
  contentId: 'ep-1',
  topics: [],
  risks: {},
  ...o,
});

function input(s: Partial<Signals>, advertisers: string[]): CritiqueInput {
  return {
    requestId: 'req-1',
    round: 1,
    signals: signals(s),
    context: snapshot(),
    candidates: advertisers.map((a) => candidate(`${a}-cmp`, { advertiserId: a })),
  };
}

describe('adjacency: one advertiser next to the content playing', () => {
  it('clean content (low in every category, no avoided topic) is worth 0 to everyone', () => {
    const c = content({ topics: ['comedy'], risks: { crime: 'low' } });
    for (const id of ['relaxed', 'strict', 'news-ok', 'bank'])
      expect(adjacency(PREFS(id), c, false)).toEqual({ suitable: true, value: 0, detail: '' });
  });

  it('vetoes a category above the level the advertiser accepts, naming category, level and preference', () => {
    const a = adjacency(PREFS('news-ok'), content({ risks: { crime: 'high' } }), false);
    expect(a).toEqual({
      suitable: false,
      breaches: [
        'crime and harmful acts at high risk, above the medium the advertiser accepts (brand_safety.max_risk.crime)',
      ],
    });
  });

  it('applies max_risk.default to the categories not written, and high without preferences', () => {
    const medium = content({ risks: { social_issues: 'medium' } });
    expect(adjacency(PREFS('strict'), medium, false).suitable).toBe(false); // default: low
    expect(adjacency(PREFS('news-ok'), medium, false).suitable).toBe(true); // not written: high
    expect(adjacency(undefined, content({ risks: { arms: 'high' } }), false).suitable).toBe(true);
  });

  it('never accepts the floor, even without preferences', () => {
    const floor = content({ risks: { terrorism: 'floor' } });
    for (const prefs of [undefined, PREFS('relaxed'), PREFS('bank')]) {
      const a = adjacency(prefs, floor, false);
      expect(a.suitable).toBe(false);
      if (!a.suitable)
        expect(a.breaches[0]).toMatch(/^terrorism at floor level: below the brand-safety floor/);
    }
  });

  it('vetoes an avoided topic and explicit content for an advertiser avoiding it, and lists every breach', () => {
    const a = adjacency(PREFS('news-ok'), content({ topics: ['road-accidents', 'true-crime'] }), true);
    expect(a).toEqual({
      suitable: false,
      breaches: [
        'topic road-accidents, which the advertiser avoids (brand_safety.avoid_topics)',
        'topic true-crime, which the advertiser avoids (brand_safety.avoid_topics)',
      ],
    });
    expect(adjacency(PREFS('strict'), content(), true)).toEqual({
      suitable: false,
      breaches: ['explicit content, which the advertiser avoids (brand_safety.avoid_explicit)'],
    });
    // Explicit content alone is the campaigns' targeting.explicit_ok's business (the inventory agent).
    expect(adjacency(PREFS('news-ok'), content(), true).suitable).toBe(true);
  });

  it('scores accepted risk by the share of the tolerance it uses: the riskiest category counts', () => {
    const value = (id: string, c: ContentSignals) => {
      const a = adjacency(PREFS(id), c, false);
      if (!a.suitable) throw new Error(`vetoed: ${a.breaches.join('; ')}`);
      return a.value;
    };
    const mediumCrime = content({ risks: { crime: 'medium' } });
    expect(value('news-ok', mediumCrime)).toBe(-1); // at its limit
    expect(value('bank', mediumCrime)).toBe(-0.5); // half of what it accepts
    expect(value('relaxed', mediumCrime)).toBe(-0.5);
    expect(value('relaxed', content({ risks: { crime: 'medium', arms: 'high' } }))).toBe(-1);
    expect(adjacency(PREFS('bank'), mediumCrime, false)).toMatchObject({
      detail: 'crime and harmful acts at medium risk (the advertiser accepts up to high)',
    });
  });

  it('without content signals judges only the explicit flag, and says what it did not check', () => {
    expect(adjacency(PREFS('strict'), null, false)).toEqual({
      suitable: true,
      value: 0,
      detail: 'no content signals: categories and topics not checked',
    });
    expect(adjacency(PREFS('strict'), null, true).suitable).toBe(false);
  });
});

describe('critique: a round of candidates', () => {
  it('gives one verdict per candidate, in order, with the veto reason and the advertiser in the detail', () => {
    const c = critique(
      input({ content: content({ topics: ['true-crime'], risks: { crime: 'medium' } }) }, [
        'relaxed',
        'strict',
        'news-ok',
        'unknown-advertiser',
      ]),
      CATALOGUE,
    );
    expect(c.modelVersion).toBe(BRAND_SAFETY_MODEL_VERSION);
    expect(c.verdicts.map((v) => [v.creativeId, v.eligible, v.reason, v.value])).toEqual([
      ['relaxed-cmp-cr', true, null, -0.5],
      ['strict-cmp-cr', false, 'REASON_UNSUITABLE_CONTENT', 0],
      ['news-ok-cmp-cr', false, 'REASON_UNSUITABLE_CONTENT', 0],
      // An advertiser the critic's catalogue does not know has declared nothing: only the floor applies.
      ['unknown-advertiser-cmp-cr', true, null, -0.5],
    ]);
    expect(c.verdicts[1]!.detail).toBe(
      'strict: crime and harmful acts at medium risk, above the low the advertiser accepts (brand_safety.max_risk.crime)',
    );
    expect(c.verdicts[2]!.detail).toBe(
      'news-ok: topic true-crime, which the advertiser avoids (brand_safety.avoid_topics)',
    );
    for (const v of c.verdicts) expect([v.pacingMultiplier, v.goal]).toEqual([0, '']);
  });

  it('is deterministic and leaves its input alone', () => {
    const i = input({ explicitContent: true, content: content({ risks: { obscenity: 'high' } }) }, [
      'bank',
      'strict',
      'relaxed',
    ]);
    const copy = structuredClone(i);
    expect(critique(i, CATALOGUE)).toEqual(critique(copy, CATALOGUE));
    expect(i).toEqual(copy);
  });

  it('passes every candidate of a catalogue without preferences unless the content is at the floor', () => {
    const plain = parseCatalogue('advertisers: [{ id: a, category: x }, { id: b, category: y }]');
    const risky = critique(input({ content: content({ risks: { adult: 'high' } }) }, ['a', 'b']), plain);
    expect(risky.verdicts.every((v) => v.eligible)).toBe(true);
    const floor = critique(input({ content: content({ risks: { adult: 'floor' } }) }, ['a', 'b']), plain);
    expect(floor.verdicts.every((v) => !v.eligible)).toBe(true);
  });
});
