import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Proposal__Output } from '../../../proto/gen/parley/v1/Proposal';
import type { RecordAck__Output } from '../../../proto/gen/parley/v1/RecordAck';
import { malformed } from '../../../services/broker/links';
import {
  ackFromWire,
  ackToWire,
  candidateToWire,
  commitResultsFromWire,
  critiqueFromWire,
  critiqueInputFromWire,
  critiqueRequestToWire,
  critiqueToWire,
  proposalFromWire,
  proposalToWire,
} from '../../../services/common/wire/agent';
import { cand, SIGNALS, SNAPSHOT } from '../broker/fakes';

const wireProposal = (over: Partial<Proposal__Output> = {}): Proposal__Output => ({
  candidates: [candidateToWire(cand('a')) as never],
  removed: [{ creative_id: 'z', reason: 'REASON_TARGETING_DEVICE', detail: 'car only' }],
  model_version: 'inv-v1',
  eligible_total: 3,
  exhausted: false,
  ...over,
});

describe("agent.proto ⇄ domain, and validating the agents' replies", () => {
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

  it('round-trips a proposal', () => {
    const p = proposalFromWire(wireProposal());
    expect(proposalFromWire(proposalToWire(p) as Proposal__Output)).toEqual(p);
  });

  it('converts a critique both ways, and refuses a missing one or a non-finite value', () => {
    const verdict = {
      creative_id: 'a',
      eligible: false,
      reason: 'REASON_FREQUENCY_CAP' as const,
      detail: 'capped',
      value: 0.3,
      pacing_multiplier: 1.2,
      goal: 'conversion',
      lift_multiplier: 0,
    };
    const c = critiqueFromWire({ verdicts: [verdict], model_version: 'obj' });
    expect(c).toEqual({
      verdicts: [
        {
          creativeId: 'a',
          eligible: false,
          reason: 'REASON_FREQUENCY_CAP',
          detail: 'capped',
          value: 0.3,
          pacingMultiplier: 1.2,
          goal: 'conversion',
        },
      ],
      modelVersion: 'obj',
    });
    expect(critiqueFromWire(critiqueToWire(c) as never)).toEqual(c);
    expect(() => critiqueFromWire(null)).toThrow(/critique/);
    expect(() =>
      critiqueFromWire({ verdicts: [{ ...verdict, value: Number.NaN }], model_version: '' }),
    ).toThrow(/critique\.verdicts\[0\]\.value/);
    expect(() => critiqueFromWire({ verdicts: [{ ...verdict, goal: 'fame' }], model_version: '' })).toThrow(
      /goal/,
    );
    // A brand-lift multiplier travels when there is one (0 = none), and a bad one is refused by name.
    const lifted = critiqueFromWire({
      verdicts: [{ ...verdict, eligible: true, lift_multiplier: 1.25 }],
      model_version: '',
    });
    expect(lifted.verdicts[0]?.liftMultiplier).toBe(1.25);
    expect(critiqueToWire(lifted).verdicts?.[0]?.lift_multiplier).toBe(1.25);
    expect(c.verdicts[0]).not.toHaveProperty('liftMultiplier');
    expect(() =>
      critiqueFromWire({ verdicts: [{ ...verdict, lift_multiplier: Number.NaN }], model_version: '' }),
    ).toThrow(/critique\.verdicts\[0\]\.lift_multiplier/);
    // A critic with no goal or pacing says so with '' and 0.
    expect(
      critiqueFromWire({ verdicts: [{ ...verdict, goal: '', pacing_multiplier: 0 }], model_version: '' })
        .verdicts[0],
    ).toMatchObject({ goal: '', pacingMultiplier: 0 });
  });

  it('round-trips a critique request, leaving out what critics never read', () => {
    const input = {
      requestId: 'r-1',
      round: 2,
      signals: SIGNALS,
      context: SNAPSHOT,
      candidates: [cand('a'), cand('b', { tier: 'house', priceMicros: 0 })],
    };
    const wire = critiqueRequestToWire(input);
    expect(wire.candidates?.every((c) => c.audio_url === '')).toBe(true);
    expect(wire.context?.features).toEqual([]);
    const back = critiqueInputFromWire(wire as never);
    expect(back).toEqual({
      ...input,
      context: { ...SNAPSHOT, features: [] },
      candidates: input.candidates.map((c) => ({ ...c, audioUrl: '' })),
    });
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
    const wire = {
      accepted: true,
      duplicate: true,
      settled_micros: 0,
      late: false,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
    } as const;
    expect(ackFromWire(wire)).toEqual({
      accepted: true,
      duplicate: true,
      settledMicros: 0,
      late: false,
      refusal: null,
    });
    expect(() => ackFromWire({ ...wire, duplicate: false, settled_micros: -5 })).toThrow(/settled_micros/);
  });

  it('carries a late charge and every charge refusal both ways; an unknown refusal reads as unknown', () => {
    const base = { accepted: true, duplicate: false, settledMicros: 0, late: false };
    const acks = [
      { ...base, settledMicros: 700, late: true, refusal: null },
      ...(['unknown', 'released', 'lifetime_budget', 'daily_budget'] as const).map((refusal) => ({
        ...base,
        refusal,
      })),
    ];
    for (const a of acks) expect(ackFromWire(ackToWire(a) as RecordAck__Output)).toEqual(a);
    // A refusal a newer objective agent knows and this broker does not: still not charged.
    const newer = { ...ackToWire(acks[1]!), refusal: 99 } as unknown as RecordAck__Output;
    expect(ackFromWire(newer).refusal).toBe('unknown');
  });

  it("reports a malformed reply as the agent's failure, not the caller's bad argument", () => {
    const err = malformed('inventory', new Error('proposal.candidates[0].p_skip: out of range'));
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(err.message).toContain('inventory agent sent a malformed reply');
  });
});
