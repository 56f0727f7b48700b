import { describe, expect, it } from 'vitest';
import type { ContextSnapshot__Output } from '../../../proto/gen/parley/v1/ContextSnapshot';
import type { Snapshot } from '../../../services/common/domain/types';
import { v1 } from '../../../services/common/grpc/proto';
import { snapshotFromWire, snapshotToWire } from '../../../services/common/wire/common';

const SNAP: Snapshot = {
  scenario: 'commute',
  focusLevel: 0.4,
  receptiveness: 0.6,
  skipRisk: 0.3,
  features: [0.5, 0.25],
  modelVersion: 'context-learned-5+ad-load-shared-rl-2',
  sessionAdsHeard: 2,
  isDefault: false,
};

/** What the receiver decodes: every field present, ad_load null when not sent. */
const received = (s: Snapshot): ContextSnapshot__Output =>
  ({ ad_load: null, ...snapshotToWire(s) }) as ContextSnapshot__Output;

describe("the context snapshot's ad load on the wire", () => {
  it('carries a floor, and "no floor", both ways', () => {
    expect(snapshotFromWire(received({ ...SNAP, adLoad: { minUtility: 0.5 } })).adLoad).toEqual({
      minUtility: 0.5,
    });
    expect(snapshotFromWire(received({ ...SNAP, adLoad: { minUtility: 0 } })).adLoad).toEqual({
      minUtility: 0,
    });
    expect(snapshotFromWire(received({ ...SNAP, adLoad: { minUtility: null } })).adLoad).toEqual({
      minUtility: null,
    });
  });

  it('absent (an older context agent) stays absent: the broker keeps its own floor', () => {
    const wire = snapshotToWire(SNAP);
    expect('ad_load' in wire).toBe(false);
    const back = snapshotFromWire(received(SNAP));
    expect('adLoad' in back).toBe(false);
    expect(back.modelVersion).toBe(SNAP.modelVersion);
  });

  it('survives the protobuf encoding, and bytes from an older agent decode without it', () => {
    const { responseSerialize, responseDeserialize } = v1.ContextAgent.service.Assess;
    const through = (s: Snapshot) =>
      snapshotFromWire(responseDeserialize(responseSerialize(snapshotToWire(s))) as ContextSnapshot__Output);
    expect(through({ ...SNAP, adLoad: { minUtility: 0.5 } }).adLoad).toEqual({ minUtility: 0.5 });
    expect(through({ ...SNAP, adLoad: { minUtility: null } }).adLoad).toEqual({ minUtility: null });
    // An older agent's snapshot has no field 9: the same bytes as today's without an ad load.
    const old = through(SNAP);
    expect('adLoad' in old).toBe(false);
    expect(old).toEqual(SNAP);
  });

  it('refuses a floor out of range, naming the field', () => {
    const bad = { ...received(SNAP), ad_load: { has_floor: true, min_utility: 1e9 } };
    expect(() => snapshotFromWire(bad)).toThrow(/context\.ad_load\.min_utility/);
  });
});
