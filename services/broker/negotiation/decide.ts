/**
 * One ad decision: context → rounds of propose / critique → pod assembly →
 * commit, inside the request deadline, failing small when an agent is slow,
 * down or wrong. Pure domain code: it talks to the agents only through the
 * ports (by role), takes the time from a clock and never opens a socket.
 *
 * Deadline budget, of the time left minus a small margin for the reply:
 *   context ≤ its share │ negotiation rounds │ commit ≥ the committer's share (reserved)
 * Every agent call is bounded by its registry share and by what is left of
 * its phase, so a hanging agent costs at most that and the decision still
 * answers in time.
 */
import type { ReasonCode } from '../../common/domain/types';
import { ATTR, SPAN } from '../../common/semconv';
import { childSpan, endSpan, isSampled, traceIdOf } from '../../common/tracing';
import { chooseLead } from '../explore';
import { assemblePod, podUtility } from '../pod';
import type { AgentSpec, NegotiationAgents } from '../ports';
import { commitPod } from './commit';
import { type DecisionRequest, type NegotiationDeps, systemClock } from './deps';
import { type Decision, finish } from './explain';
import { type RoundClock, runRound } from './round';
import { DecisionState, defaultSnapshot } from './state';

/** Every agent of the negotiation once, in the order the registry lists roles. */
function specsOf(a: NegotiationAgents): AgentSpec[] {
  const all = [a.context, ...a.proposers, ...a.critics, a.committer].flatMap((p) => (p ? [p.spec] : []));
  return all.filter((s, i) => all.findIndex((x) => x.name === s.name) === i);
}

/** Kept back for the reply itself: this share of the time left, clamped to [min, max] ms. */
export const MARGIN = { share: 0.1, minMs: 1, maxMs: 10 } as const;

/** Runs one decision. Never throws for an agent's failure; always answers by `req.deadline`. */
export async function decide(req: DecisionRequest, deps: NegotiationDeps): Promise<Decision> {
  const clock = deps.clock ?? systemClock;
  const start = clock.now();
  const root = req.span ?? null;
  const state = new DecisionState(req.signals, start, isSampled(root) ? root : null, specsOf(deps.agents));
  const traceId = traceIdOf(root);
  const done = (reasons: ReasonCode[] | null, committed: Awaited<ReturnType<typeof commitPod>> | null) =>
    finish(req, deps, state, committed, reasons, traceId);
  const total = req.deadline - start;
  const margin = Math.min(MARGIN.maxMs, Math.max(MARGIN.minMs, total * MARGIN.share));
  const usableMs = total - margin;
  if (usableMs < 1) return done(['REASON_DEADLINE_TOO_SHORT'], null);
  const { context, committer } = deps.agents;
  if (!committer) state.enterGuard('no committer in the registry: only house ads are served');

  // Context.
  if (context) {
    const ms = Math.min(context.spec.share * usableMs, start + usableMs - clock.now());
    try {
      state.snapshot = await context.assess(req.signals, Math.max(1, ms), state.span);
      state.called(context.spec, clock.now() - start, state.snapshot.modelVersion);
    } catch (err) {
      state.snapshot = defaultSnapshot(req.signals);
      state.called(context.spec, clock.now() - start);
      state.degrade(context.spec, err, 'default snapshot');
    }
  }

  // Negotiation rounds, leaving the committer its share.
  const negotiationEnd = start + usableMs * (1 - (committer?.spec.share ?? 0));
  if (negotiationEnd - clock.now() < 1) return done(['REASON_DEADLINE_TOO_SHORT'], null);
  const roundClock: RoundClock = { now: () => clock.now(), negotiationEnd, usableMs };
  let previousUtility = Number.NEGATIVE_INFINITY;
  while (state.rounds < deps.settings.maxRounds) {
    const roundStart = clock.now();
    if (negotiationEnd - roundStart < 1) break;
    const round = state.rounds + 1;
    const span = childSpan(state.span, SPAN.round, { [ATTR.round]: round });
    const outcome = await runRound(req, deps, state, round, roundClock, span);
    span?.setAttributes({
      [ATTR.candidatesProposed]: outcome.offered,
      [ATTR.candidatesEligible]: outcome.offered - outcome.rejected,
      [ATTR.candidatesRemoved]: outcome.rejected,
    });
    endSpan(span);
    state.rounds = round;
    // Another round only while the pod's best joint utility can still improve.
    const pod = assemblePod(state.eligible, req.slot);
    const utility = podUtility(pod);
    const improved = utility > previousUtility + 1e-9;
    previousUtility = Math.max(previousUtility, utility);
    const podShort = pod.placed.length < req.slot.maxAds;
    const mostlyRejected = outcome.rejected * 2 > outcome.offered;
    const roundMs = clock.now() - roundStart;
    const more =
      !outcome.final &&
      outcome.offered > 0 &&
      improved &&
      (podShort || mostlyRejected) &&
      negotiationEnd - clock.now() >= Math.max(1, roundMs);
    if (!more) break;
  }

  // Ad load: below the floor an ad is not worth the listener's attention. The context
  // agent's ad load for this break may raise the configured floor, never lower it: the
  // operator's setting is a guardrail over the learned policy.
  const configured = deps.settings.minUtility;
  const learned = state.snapshot.adLoad?.minUtility ?? undefined;
  const byAgent = learned !== undefined && (configured === undefined || learned > configured);
  const floor = byAgent ? learned : configured;
  if (floor !== undefined) {
    const by = byAgent ? ` (the context agent's ad-load floor)` : '';
    state.eligible = state.eligible.filter((s) => {
      if (s.pinned || s.terms.utility >= floor) return true;
      state.rejected.push({
        creativeId: s.candidate.creativeId,
        reason: 'REASON_BELOW_MIN_UTILITY',
        detail: `utility ${s.terms.utility.toFixed(3)} < ${floor}${by}`,
      });
      if (byAgent) state.adLoadRemoved++;
      return false;
    });
  }

  // Exploration: draw the lead ad (logged with its propensity).
  const x = deps.settings.exploration;
  if (x && (x.epsilon > 0 || x.temperature > 0)) {
    state.lead = chooseLead(state.eligible, x, req.requestId);
    const lead = state.lead?.explored ? state.lead.lead.candidate.creativeId : null;
    if (lead)
      state.eligible = state.eligible.map((s) =>
        s.candidate.creativeId === lead ? { ...s, lead: true } : s,
      );
  }

  // Commit.
  const committed = await commitPod(req, deps, state, start + usableMs, clock);
  return done(null, committed);
}
