/**
 * Wire ⇄ domain for the inventory agent's messages. Validation errors name
 * the field as it appears in a ProposeCall, e.g. "request.signals.country".
 */
import type { Proposal as WireProposal } from '../../proto/gen/parley/v1/Proposal';
import type { ProposeRequest__Output } from '../../proto/gen/parley/v1/ProposeRequest';
import type { Proposal, ProposeInput } from '../common/domain/types';
import {
  candidateToWire,
  rejectionToWire,
  signalsFromWire,
  slotFromWire,
  snapshotFromWire,
} from '../common/grpc/convert';
import { idList, intInRange, requireId, requireMessage } from '../common/grpc/validate';

export const MAX_ROUNDS_ACCEPTED = 100;
export const MAX_SHORTLIST = 100;
/** Enough for every round of the largest shortlist. */
export const MAX_EXCLUDED_CREATIVES = 1000;

export function proposeInputFromWire(
  w: ProposeRequest__Output | null,
  defaultShortlistSize: number,
  field = 'request',
): ProposeInput {
  const r = requireMessage(w, field);
  return {
    requestId: requireId(r.request_id, `${field}.request_id`),
    round: intInRange(r.round, `${field}.round`, 1, MAX_ROUNDS_ACCEPTED),
    slot: slotFromWire(r.slot, `${field}.slot`),
    signals: signalsFromWire(r.signals, `${field}.signals`),
    context: snapshotFromWire(r.context, `${field}.context`),
    excludedAdvertisers: idList(r.excluded_advertisers, `${field}.excluded_advertisers`),
    excludedCategories: idList(r.excluded_categories, `${field}.excluded_categories`).map((c) =>
      c.toLowerCase(),
    ),
    shortlistSize:
      r.shortlist_size === 0
        ? defaultShortlistSize
        : intInRange(r.shortlist_size, `${field}.shortlist_size`, 1, MAX_SHORTLIST),
    excludeCreatives: idList(r.exclude_creatives, `${field}.exclude_creatives`, MAX_EXCLUDED_CREATIVES),
  };
}

export function proposalToWire(p: Proposal): WireProposal {
  return {
    candidates: p.candidates.map(candidateToWire),
    removed: p.removed.map(rejectionToWire),
    model_version: p.modelVersion,
    eligible_total: p.eligibleTotal,
    exhausted: p.exhausted,
  };
}
