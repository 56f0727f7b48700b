/**
 * Running a federated-model policy on the listener simulator.
 *
 * Each ad break: the context agent's rules turn the break's signals into a
 * snapshot; K creatives drawn at random from the catalogue are the
 * candidates; the action policy (federated/client/reinforce.ts) picks one by
 * softmax over the model's listener score; the simulator plays it and the
 * reward is completed + clickWeight·clicked. The break's listener is the
 * client: with `collect`, every decision is logged on that client's own
 * interaction log (features of the candidates, the chosen index, its
 * propensity and the reward) — nothing else is kept.
 */
import type { Catalogue, Creative } from '../../services/common/catalogue/types';
import type { Scenario } from '../../services/common/domain/types';
import { type Rng, seededRng } from '../../services/common/rng';
import { assessContext } from '../../services/context/assess';
import { POLICY_FEATURE_COUNT, policyFeatures } from '../../services/inventory/policy';
import { type SimScenario, Simulator } from '../../sim';
import { type ActionPolicyOptions, type Interaction, sampleAction } from '../client/reinforce';

export interface PolicyRunOptions extends ActionPolicyOptions {
  scenario: SimScenario;
  seed: number;
  /** Use this supply instead of generating one from the seed. */
  catalogue?: Catalogue;
  /** Candidates per decision (default 6). */
  candidates?: number;
  /** Reward of a click on top of a completion (default 1). */
  clickWeight?: number;
  /** Keep every client's interaction log. */
  collect?: boolean;
}

export interface PolicyRun {
  decisions: number;
  /** Mean reward per decision. */
  meanReward: number;
  completionRate: number;
  clickRate: number;
  catalogue: Catalogue;
  /** Per-client logs (only with `collect`). */
  logs: Map<string, Interaction[]>;
  /** Per-client count of decisions by inferred scenario (only with `collect`). */
  scenarios: Map<string, Map<Scenario, number>>;
}

/** The client a request belongs to: its listener ("l17-s2" → "l17"). */
export function clientOf(sessionId: string): string {
  const dash = sessionId.indexOf('-');
  return dash > 0 ? sessionId.slice(0, dash) : sessionId;
}

function drawCandidates(pool: readonly Creative[], k: number, rng: Rng, out: Creative[]): void {
  out.length = 0;
  const n = pool.length;
  const take = Math.min(k, n);
  const chosen = new Set<number>();
  while (chosen.size < take) chosen.add(Math.floor(rng.next() * n));
  for (const i of chosen) out.push(pool[i]!);
}

/** Plays the whole scenario with the policy θ. Deterministic given θ, scenario and seed. */
export function runPolicy(theta: ArrayLike<number>, o: PolicyRunOptions): PolicyRun {
  const sim = new Simulator({ scenario: o.scenario, seed: o.seed, catalogue: o.catalogue });
  const pool = [...sim.catalogue.creatives.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const k = o.candidates ?? 6;
  const clickWeight = o.clickWeight ?? 1;
  const choice = seededRng((o.seed ^ 0xc401ce) >>> 0);
  const draw = seededRng((o.seed ^ 0xca9d1d) >>> 0);
  const logs = new Map<string, Interaction[]>();
  const scenarios = new Map<string, Map<Scenario, number>>();
  const candidates: Creative[] = [];
  let decisions = 0;
  let reward = 0;
  let completes = 0;
  let clicks = 0;
  for (let r = sim.nextRequest(); r; r = sim.nextRequest()) {
    const context = assessContext(r.signals, null, r.nowMs);
    drawCandidates(
      pool.filter((c) => c.durationMs <= r.slot.maxTotalDurationMs),
      k,
      draw,
      candidates,
    );
    if (candidates.length === 0) {
      sim.respond(r.handle, []);
      continue;
    }
    const features = new Float32Array(candidates.length * POLICY_FEATURE_COUNT);
    candidates.forEach((c, i) => {
      policyFeatures(
        c,
        context,
        r.slot,
        features.subarray(i * POLICY_FEATURE_COUNT, (i + 1) * POLICY_FEATURE_COUNT),
      );
    });
    const { index, propensity } = sampleAction(theta, features, choice, o);
    const outcome = sim.respond(r.handle, [candidates[index]!.id]);
    const ad = outcome.ads[0]!;
    const rw = (ad.completed ? 1 : 0) + (ad.clicked ? clickWeight : 0);
    decisions++;
    reward += rw;
    if (ad.completed) completes++;
    if (ad.clicked) clicks++;
    if (o.collect) {
      const client = clientOf(r.signals.sessionId);
      let log = logs.get(client);
      if (!log) {
        log = [];
        logs.set(client, log);
        scenarios.set(client, new Map());
      }
      log.push({ features, chosen: index, propensity, reward: rw });
      const counts = scenarios.get(client)!;
      counts.set(context.scenario, (counts.get(context.scenario) ?? 0) + 1);
    }
  }
  return {
    decisions,
    meanReward: decisions ? reward / decisions : 0,
    completionRate: decisions ? completes / decisions : 0,
    clickRate: decisions ? clicks / decisions : 0,
    catalogue: sim.catalogue,
    logs,
    scenarios,
  };
}
