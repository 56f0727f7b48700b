import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Proposal__Output } from '../../../proto/gen/parley/v1/Proposal';
import {
  commitResultsFromWire,
  counterFromWire,
  malformed,
  proposalFromWire,
  recordAckFromWire,
} from '../../../services/broker/clients';
import { candidateToWire } from '../../../services/common/grpc/convert';
import { cand } from './fakes';

const wireProposal = (over: Partial<Proposal__Output> = {}): Proposal__Output => ({
  candidates: [candidateToWire(cand('a')) as never],
  removed: [{ creative_id: 'z', reason: 'REASON_TARGETING_DEVICE', detail: 'car only' }],
  model_version: 'inv-v1',
  eligible_total: 3,
  exhausted: false,
  ...over,
});

describe("validating the agents' replies", () => {
  it('converts a good proposal', () => {
    const p = proposalFromWire(wireProposal());
    expect(p.candidates).toEqual([cand('a')]);
    expect(p.removed).toEqual([{ creativeId: 'z', reason: 'REASON_TARGETING_DEVICE', detail: 'car only' }]);
    expect(p).toMatchObject({ modelVersion: 'inv-v1', eligibleTotal: 3, exhausted: false });
  });

  it('refuses a proposal that breaks the contract', () => {
    expect(() => proposalFromWire(null)).toThrow(/proposal/);
    const badCandidate = { ...candidateToWire(cand('a')), p_skip: 1.5 } as never;
    expect(() => proposalFromWire(wireProposal({ candidates: [badCandidate] }))).toThrow(
      /proposal\.candidates\[0\]\.p_skip/,
    );
    const noTier = { ...candidateToWire(cand('a')), tier: 'gold' } as never;
    expect(() => proposalFromWire(wireProposal({ candidates: [noTier] }))).toThrow(/tier/);
    const many = Array.from({ length: 1001 }, () => candidateToWire(cand('a')) as never);
    expect(() => proposalFromWire(wireProposal({ candidates: many }))).toThrow(/at most|more than/);
  });

  it('converts a counter, and refuses a missing one or a non-finite value', () => {
    const value = {
      creative_id: 'a',
      eligible: false,
      reason: 'REASON_FREQUENCY_CAP' as const,
      detail: 'capped',
      advertiser_value: 0.3,
      pacing_multiplier: 1.2,
      goal: 'conversion',
    };
    expect(counterFromWire({ values: [value], model_version: 'obj' })).toEqual({
      values: [
        {
          creativeId: 'a',
          eligible: false,
          reason: 'REASON_FREQUENCY_CAP',
          detail: 'capped',
          advertiserValue: 0.3,
          pacingMultiplier: 1.2,
          goal: 'conversion',
        },
      ],
      modelVersion: 'obj',
    });
    expect(() => counterFromWire(null)).toThrow(/counter/);
    expect(() =>
      counterFromWire({ values: [{ ...value, advertiser_value: Number.NaN }], model_version: '' }),
    ).toThrow(/advertiser_value/);
    expect(() => counterFromWire({ values: [{ ...value, goal: 'fame' }], model_version: '' })).toThrow(
      /goal/,
    );
  });

  it('needs a reservation id for every reserved commit result', () => {
    expect(
      commitResultsFromWire({
        results: [
          { creative_id: 'a', reserved: true, reservation_id: 'r-1', reason: 'REASON_UNSPECIFIED' },
          { creative_id: 'b', reserved: false, reservation_id: '', reason: 'REASON_BUDGET_EXHAUSTED' },
        ],
      }),
    ).toEqual([
      { creativeId: 'a', reserved: true, reservationId: 'r-1', reason: null },
      { creativeId: 'b', reserved: false, reservationId: '', reason: 'REASON_BUDGET_EXHAUSTED' },
    ]);
    expect(() =>
      commitResultsFromWire({
        results: [{ creative_id: 'a', reserved: true, reservation_id: '', reason: 'REASON_UNSPECIFIED' }],
      }),
    ).toThrow(/reservation_id/);
  });

  it('refuses a negative settlement', () => {
    expect(recordAckFromWire({ accepted: true, duplicate: true, settled_micros: 0 })).toEqual({
      accepted: true,
      duplicate: true,
      settledMicros: 0,
    });
    expect(() => recordAckFromWire({ accepted: true, duplicate: false, settled_micros: -5 })).toThrow(
      /settled_micros/,
    );
  });

  it("reports a malformed reply as the agent's failure, not the caller's bad argument", () => {
    const err = malformed('inventory', new Error('proposal.candidates[0].p_skip: out of range'));
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(err.message).toContain('inventory agent sent a malformed reply');
  });
});
