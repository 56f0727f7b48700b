/**
 * ReportBrandLift's request as the objective agent reads it
 * (services/common/wire/objective.ts): every bad figure is refused with
 * INVALID_ARGUMENT naming results[i].<field> (negative counts, rates outside
 * [0, 1] or NaN, a reach above the impressions, a result published before it
 * was fielded, missing ids), and a good one is converted field by field.
 */
import { describe, expect, it } from 'vitest';
import type { BrandLiftResult__Output } from '../../../proto/gen/parley/v1/BrandLiftResult';
import { DomainError } from '../../../services/common/errors';
import {
  MAX_LIFT_RESULTS,
  reportBrandLiftFromWire,
  reportBrandLiftToWire,
} from '../../../services/common/wire/objective';
import { SURVEY_FIELDED_MS, surveyResult } from '../../support/objective';

const T = SURVEY_FIELDED_MS;
const result = surveyResult;

function refusal(results: BrandLiftResult__Output[]): string {
  try {
    reportBrandLiftFromWire({ results });
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('invalid_argument');
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('ReportBrandLift from the wire', () => {
  it('converts a good result', () => {
    expect(reportBrandLiftFromWire({ results: [result()] })).toEqual([
      {
        campaignId: 'camp-1',
        waveId: 'w1',
        exposedN: 400,
        exposedRate: 0.31,
        controlN: 380,
        controlRate: 0.22,
        impressions: 120_000,
        reach: 40_000,
        fieldedAtMs: T,
        publishedAtMs: T + 6 * 3_600_000,
      },
    ]);
    // Edges are fine: rates of 0 and 1, empty groups, published as fielded.
    expect(() =>
      reportBrandLiftFromWire({
        results: [
          result({ exposed_yes_rate: 1, control_yes_rate: 0, exposed_respondents: 0, published_at_ms: T }),
        ],
      }),
    ).not.toThrow();
  });

  it.each([
    ['a negative exposed count', { exposed_respondents: -5 }, 'results[1].exposed_respondents'],
    ['a negative control count', { control_respondents: -1 }, 'results[1].control_respondents'],
    ['negative impressions', { impressions: -10 }, 'results[1].impressions'],
    ['a negative reach', { reach: -1 }, 'results[1].reach'],
    ['a fractional count', { exposed_respondents: 2.5 }, 'results[1].exposed_respondents'],
    ['a rate above 1', { exposed_yes_rate: 1.2 }, 'results[1].exposed_yes_rate'],
    ['a negative rate', { control_yes_rate: -0.1 }, 'results[1].control_yes_rate'],
    ['a NaN rate', { exposed_yes_rate: Number.NaN }, 'results[1].exposed_yes_rate'],
    ['an infinite rate', { control_yes_rate: Number.POSITIVE_INFINITY }, 'results[1].control_yes_rate'],
    ['a reach above the impressions', { impressions: 100, reach: 101 }, 'results[1].reach'],
    ['no campaign', { campaign_id: '' }, 'results[1].campaign_id: required'],
    ['a campaign id with spaces', { campaign_id: 'a b' }, 'results[1].campaign_id'],
    ['no wave', { wave_id: '' }, 'results[1].wave_id: required'],
    ['no fielding time', { fielded_at_ms: 0 }, 'results[1].fielded_at_ms'],
    ['published before fielded', { published_at_ms: T - 1 }, 'results[1].published_at_ms'],
  ])('refuses %s, naming the field', (_name, over, field) => {
    expect(refusal([result(), result(over as Partial<BrandLiftResult__Output>)])).toMatch(
      new RegExp(`^${field.replace(/[[\]().]/g, '\\$&')}`),
    );
  });

  it('refuses an empty report and one too long', () => {
    expect(refusal([])).toBe('results: at least one survey result');
    expect(refusal(Array.from({ length: MAX_LIFT_RESULTS + 1 }, () => result()))).toBe(
      `results: at most ${MAX_LIFT_RESULTS} per call`,
    );
  });

  it('answers with a status per result and each campaign', () => {
    expect(
      reportBrandLiftToWire({
        statuses: ['recorded', 'duplicate', 'replaced'],
        campaigns: [
          { campaignId: 'c', goal: 'awareness', waves: 2, liftPerImpression: 0.01, multiplier: 1.2 },
        ],
      }),
    ).toEqual({
      statuses: ['BRAND_LIFT_STATUS_RECORDED', 'BRAND_LIFT_STATUS_DUPLICATE', 'BRAND_LIFT_STATUS_REPLACED'],
      campaigns: [
        { campaign_id: 'c', goal: 'awareness', waves: 2, lift_per_impression: 0.01, multiplier: 1.2 },
      ],
    });
  });
});
