import { describe, expect, it } from 'vitest';
import { validateOverrideInput, wireField } from '../../../services/admin/model';
import { ActiveOverrides } from '../../../services/broker/overrides';
import type { Override } from '../../../services/common/domain/overrides';
import type { Candidate } from '../../../services/common/domain/types';

const NOW = 1_800_000_000_000;

function cand(over: Partial<Candidate> = {}): Candidate {
  return {
    creativeId: 'cr-1',
    campaignId: 'camp-1',
    advertiserId: 'adv-1',
    category: 'Beverages',
    durationMs: 30_000,
    priceMicros: 10_000,
    tier: 'standard',
    pSkip: 0.2,
    pComplete: 0.7,
    pEngage: 0.1,
    policyScore: 0.5,
    audioUrl: '',
    separationCategories: [],
    ...over,
  };
}

function ov(over: Partial<Override>): Override {
  return {
    id: 'ov-1',
    kind: 'block',
    targetType: 'advertiser',
    targetId: 'adv-1',
    scenarios: [],
    boost: 0,
    categories: [],
    unlessExplicit: false,
    author: 'ana',
    reason: 'test',
    createdAtMs: NOW - 1000,
    expiresAtMs: 0,
    ...over,
  };
}

const ctx = { scenario: 'workout' as const, explicit: false, nowMs: NOW };

describe('validateOverrideInput', () => {
  it('accepts a block and normalises a category target', () => {
    const v = validateOverrideInput(
      {
        kind: 'block',
        targetType: 'category',
        targetId: 'Alcohol',
        reason: ' brand ',
        scenarios: ['workout'],
      },
      NOW,
    );
    expect(v).toMatchObject({ kind: 'block', targetId: 'alcohol', reason: 'brand', scenarios: ['workout'] });
  });

  it.each([
    [{ kind: 'nuke', targetId: 'x', reason: 'r' }, 'kind'],
    [{ kind: 'block', targetType: 'campaign', targetId: 'x', reason: 'r' }, 'targetType'],
    [{ kind: 'block', targetType: 'advertiser', reason: 'r' }, 'targetId'],
    [{ kind: 'block', targetType: 'advertiser', targetId: 'bad id!', reason: 'r' }, 'targetId'],
    [{ kind: 'block', targetType: 'advertiser', targetId: 'a' }, 'reason'],
    [
      { kind: 'block', targetType: 'advertiser', targetId: 'a', reason: 'r', scenarios: ['disco'] },
      'scenarios[0]',
    ],
    [{ kind: 'pause', targetId: 'c', reason: 'r', scenarios: ['workout'] }, 'scenarios'],
    [{ kind: 'boost', targetId: 'c', reason: 'r', boost: 0 }, 'boost'],
    [{ kind: 'boost', targetId: 'c', reason: 'r', boost: 11 }, 'boost'],
    [{ kind: 'pin', targetId: 'c', reason: 'r', boost: 1 }, 'boost'],
    [{ kind: 'separation', reason: 'r', categories: [] }, 'categories'],
    [
      { kind: 'block', targetType: 'advertiser', targetId: 'a', reason: 'r', expiresAtMs: NOW - 1 },
      'expiresAtMs',
    ],
    [
      { kind: 'block', targetType: 'advertiser', targetId: 'a', reason: 'r', unlessExplicit: true },
      'unlessExplicit',
    ],
  ])('rejects %j naming %s', (raw, field) => {
    expect(() => validateOverrideInput(raw, NOW)).toThrow(
      new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `),
    );
  });

  it.each([
    [{ kind: 'block', targetType: 'advertiser', targetId: 5, reason: 'r' }, 'targetId: must be a string'],
    [{ kind: 'block', targetType: 'planet', targetId: 'a', reason: 'r' }, 'targetType: must be one of'],
    [
      { kind: 'block', targetType: 'advertiser', targetId: 'a', reason: 'a\u0007b' },
      'reason: control characters',
    ],
    [
      { kind: 'block', targetType: 'advertiser', targetId: 'a', reason: 'r', scenarios: 'workout' },
      'scenarios: must be a list',
    ],
    [{ kind: 'separation', reason: 'r', categories: ['coffee', 'bad id!'] }, 'categories[1]: only letters'],
    [
      { kind: 'block', targetType: 'advertiser', targetId: 'a', reason: 'r', expiresAtMs: 1.5 },
      'expiresAtMs: must be unix',
    ],
    [[], 'override: must be an object'],
  ])('the shape of %j is checked field by field: %s', (raw, message) => {
    expect(() => validateOverrideInput(raw, NOW)).toThrow(message);
  });

  it('names fields in the wire spelling for gRPC callers', () => {
    expect(() =>
      validateOverrideInput(
        { kind: 'block', targetType: 'advertiser', reason: 'r' },
        NOW,
        wireField('override.'),
      ),
    ).toThrow(/^override\.target_id: required/);
    expect(() =>
      validateOverrideInput(
        { kind: 'block', targetType: 'advertiser', targetId: 'a', reason: 'r', scenarios: ['disco'] },
        NOW,
        wireField('override.'),
      ),
    ).toThrow(/^override\.scenarios\[0\]: must be one of/);
  });
});

describe('ActiveOverrides', () => {
  it('pause, block and brand safety remove candidates with their reason codes and the override named', () => {
    const set = new ActiveOverrides(
      [
        ov({ id: 'p', kind: 'pause', targetType: 'campaign', targetId: 'camp-9' }),
        ov({ id: 'b', kind: 'block', targetType: 'creative', targetId: 'cr-2', scenarios: ['workout'] }),
        ov({
          id: 's',
          kind: 'brand_safety',
          targetType: 'category',
          targetId: 'alcohol',
          unlessExplicit: true,
        }),
      ],
      3,
    );
    expect(set.screen(cand({ campaignId: 'camp-9' }), ctx)?.reason).toBe('REASON_OVERRIDE_PAUSED');
    const blocked = set.screen(cand({ creativeId: 'cr-2' }), ctx);
    expect(blocked?.reason).toBe('REASON_OVERRIDE_BLOCKED');
    expect(blocked?.detail).toContain('override b by ana');
    expect(blocked?.applied).toMatchObject({ overrideId: 'b', creativeId: 'cr-2' });
    // Scenario-scoped: not in focus.
    expect(set.screen(cand({ creativeId: 'cr-2' }), { ...ctx, scenario: 'focus' })).toBeNull();
    // Brand safety: blocked next to clean content, allowed next to explicit content.
    expect(set.screen(cand({ category: 'Alcohol' }), ctx)?.reason).toBe('REASON_BRAND_SAFETY');
    expect(set.screen(cand({ category: 'Alcohol' }), { ...ctx, explicit: true })).toBeNull();
    expect(set.screen(cand(), ctx)).toBeNull();
  });

  it('ignores expired overrides', () => {
    const set = new ActiveOverrides([ov({ expiresAtMs: NOW })], 1);
    expect(set.screen(cand(), { ...ctx, nowMs: NOW - 1 })).not.toBeNull();
    expect(set.screen(cand(), ctx)).toBeNull();
  });

  it('pins, boosts and separation keys apply to eligible candidates only where they should', () => {
    const set = new ActiveOverrides(
      [
        ov({ id: 'pin', kind: 'pin', targetType: 'campaign', targetId: 'camp-1', scenarios: ['workout'] }),
        ov({ id: 'up', kind: 'boost', targetType: 'campaign', targetId: 'camp-1', boost: 0.5 }),
        ov({ id: 'sep', kind: 'separation', targetType: '', targetId: '', categories: ['beverages'] }),
      ],
      3,
    );
    const a = set.adjust(cand(), ctx);
    expect(a).toMatchObject({ pinned: true, boost: 0.5, separation: ['override:sep'] });
    expect(a.applied.map((x) => x.overrideId)).toEqual(['pin', 'up']);
    expect(set.adjust(cand(), { ...ctx, scenario: 'relax' }).pinned).toBe(false);
    expect(set.adjust(cand({ campaignId: 'other', category: 'autos' }), ctx).applied).toEqual([]);
  });
});
