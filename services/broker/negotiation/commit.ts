/**
 * The commit: the committer reserves spend for the chosen pod. An ad it
 * refuses is dropped and the next best may take its place, once, if time
 * allows. Under the house-only guard nothing is committed and only house
 * ads (cost 0) can be in the pod.
 *
 * A dry run (a preview) assembles the pod the same way but does not ask the
 * committer: nothing is reserved, and its placements carry no reservation.
 *
 * A commit the broker stops waiting for may still have reserved: the
 * committer is told at once to release every reservation of the request,
 * and the decision serves house ads only. Nothing stays held for an answer
 * never served: the release also refuses the commit if it overtook it, and
 * the objective agent releases by itself a commit that finishes after its
 * deadline (BudgetLedger.releaseRequest, ObjectiveAgent.commit). Only if both
 * the release and the commit's reply are lost (the stream broke in between)
 * does the money wait for the reservation TTL.
 */
import type { CommitResult, Rejection } from '../../common/domain/types';
import { messageOf } from '../../common/errors';
import { assemblePod, compareScored, type Pod, type Scored } from '../pod';
import { costMicros } from '../utility';
import type { Clock, DecisionRequest, NegotiationDeps } from './deps';
import type { DecisionState } from './state';

export interface Placement {
  podPosition: number;
  candidate: Scored['candidate'];
  /** The committer's reservation; '' for a house ad served under the guard, and in a dry run. */
  reservationId: string;
  /** What the advertiser pays for this impression. */
  priceMicros: number;
  terms: Scored['terms'];
  /**
   * The probability with which this ad was chosen: for the lead (position 0)
   * the exploring draw's (explore.ts); later positions follow the ranking
   * given the lead (1). 0 = unknown: the drawn lead was refused at commit
   * and another took its place.
   */
  propensity: number;
}

export interface Committed {
  placed: Placement[];
  /** The last pod assembled (for the losers and their reasons). */
  pod: Pod;
  commitRejections: Rejection[];
}

/** How long a release may take: it is fire and forget for the decision. */
const RELEASE_TIMEOUT_MS = 1000;

export async function commitPod(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  finishBy: number,
  clock: Clock,
): Promise<Committed> {
  const committer = deps.agents.committer;
  const fixed: Array<{ scored: Scored; reservationId: string }> = [];
  const dropped = new Set<string>();
  const commitRejections: Rejection[] = [];
  let pod: Pod = { placed: [], losers: [] };
  // A decision superseded by another call with the same request id reserves nothing (deps.mayCommit).
  const noCommit = req.dryRun || (deps.mayCommit ? !(await deps.mayCommit()) : false);
  // At most two commits (the second for replacements); a failed one turns
  // on the guard, and the loop then places house ads without committing.
  for (let commits = 0; ; ) {
    const pool =
      dropped.size === 0
        ? state.eligible
        : state.eligible.filter((s) => !dropped.has(s.candidate.creativeId));
    pod = assemblePod(
      pool,
      req.slot,
      fixed.map((f) => f.scored),
    );
    const fixedIds = new Set(fixed.map((f) => f.scored.candidate.creativeId));
    const fresh = pod.placed.filter((s) => !fixedIds.has(s.candidate.creativeId));
    if (fresh.length === 0) break;
    if (state.guard || !committer || noCommit) {
      for (const s of fresh) fixed.push({ scored: s, reservationId: '' });
      break;
    }
    if (commits === 2) break;
    const left = finishBy - clock.now();
    if (commits > 0 && left < 1) {
      for (const s of fresh) {
        commitRejections.push({
          creativeId: s.candidate.creativeId,
          reason: 'REASON_DEADLINE_TOO_SHORT',
          detail: 'no time left to reserve a replacement',
        });
      }
      break;
    }
    let results: CommitResult[];
    const commitStart = clock.now();
    commits++;
    try {
      results = await committer.commit(
        {
          requestId: req.requestId,
          sessionId: req.signals.sessionId,
          reservations: fresh.map((s) => ({
            creativeId: s.candidate.creativeId,
            campaignId: s.candidate.campaignId,
            amountMicros: costMicros(s.candidate),
          })),
        },
        Math.max(1, commits === 1 ? (left * 2) / 3 : left),
        state.span,
      );
    } catch (err) {
      // Unknown whether anything was reserved: give back everything this
      // request holds, and serve house ads only.
      const ms = clock.now() - commitStart;
      state.commitMs += ms;
      state.called(committer.spec, ms);
      committer
        .release(req.requestId, [], RELEASE_TIMEOUT_MS)
        .catch((e) => deps.log?.debug('release failed', { requestId: req.requestId, error: messageOf(e) }));
      fixed.length = 0;
      state.degrade(committer.spec, err, 'house-only guard');
      state.enterGuard(`${committer.spec.name} did not commit: only house ads are served`);
      continue;
    }
    const ms = clock.now() - commitStart;
    state.commitMs += ms;
    state.called(committer.spec, ms);
    const byId = new Map(results.map((r) => [r.creativeId, r]));
    for (const s of fresh) {
      const r = byId.get(s.candidate.creativeId);
      if (r?.reserved && r.reservationId) fixed.push({ scored: s, reservationId: r.reservationId });
      else {
        dropped.add(s.candidate.creativeId);
        commitRejections.push({
          creativeId: s.candidate.creativeId,
          reason: r?.reason && r.reason !== 'REASON_UNSPECIFIED' ? r.reason : 'REASON_COMMIT_REJECTED',
          detail: r ? `${committer.spec.name} refused the reservation` : 'no commit result for it',
        });
      }
    }
    if (dropped.size === 0) break;
  }
  const placed = fixed
    .sort((a, b) => compareScored(a.scored, b.scored))
    .map((f, i) => ({
      podPosition: i,
      candidate: f.scored.candidate,
      reservationId: f.reservationId,
      priceMicros: costMicros(f.scored.candidate),
      terms: f.scored.terms,
      propensity: i > 0 ? 1 : leadPropensity(state, f.scored),
    }));
  return { placed, pod, commitRejections };
}

function leadPropensity(state: DecisionState, first: Scored): number {
  if (!state.lead) return 1;
  return state.lead.lead.candidate.creativeId === first.candidate.creativeId ? state.lead.propensity : 0;
}
