/**
 * The objective agent's domain service: values the inventory agent's
 * candidates for their advertisers (eligibility, pacing, goal and KPI
 * progress), commits spend atomically through the budget ledger, and records
 * outcomes (an impression settles its reservation). No transport here; time
 * comes from an injected clock. A learned bid-multiplier policy, when one is
 * held, scales each eligible candidate's advertiser value (read once per
 * evaluate, so a hot swap never splits a counter-offer between versions).
 */
import { randomUUID } from 'node:crypto';
import type { ModelHolder } from '../../learning/artifacts';
import { type CampaignState, NEUTRAL_OBJECTIVE, type ObjectivePolicy } from '../../learning/objective-policy';
import type { CatalogueSource } from '../common/catalogue/load';
import type { Campaign, Catalogue, PacingMode } from '../common/catalogue/types';
import type {
  Candidate,
  CandidateValue,
  CommitInput,
  CommitResult,
  Counter,
  Critique,
  EvaluateInput,
  OutcomeEventInput,
  ReasonCode,
  ReservationRequest,
} from '../common/domain/types';
import { DomainError, invalidArgument, messageOf } from '../common/errors';
import type { Logger } from '../common/log';
import type { CampaignSpendSample } from '../common/metrics';
import { checkEligibility, checkStatus, costOf } from './eligibility';
import type { BudgetLedger, ReserveRefusal, SpendState } from './ledger';
import type { GroupStart, LoggedOutcome, OutcomeCounters, OutcomeLog } from './outcome-log';
import { DAY_MS, FLAT_PROFILE, type PacingDecision, pace, type TrafficProfile, utcDay } from './pacing';
import { advertiserValue, kpiProgress, MAX_ADVERTISER_VALUE } from './valuation';

export const OBJECTIVE_MODEL_VERSION = 'pacing-rules-v1';

/** How many recent requests' reservations release(requestId) can find. */
const MAX_RELEASABLE_REQUESTS = 10_000;

export interface ObjectiveAgentOptions {
  catalogue: CatalogueSource;
  ledger: BudgetLedger;
  outcomes: OutcomeLog;
  /** Epoch ms; defaults to Date.now. */
  clock?: () => number;
  /** Expected traffic per UTC hour for a campaign's even pacing (default flat): plug a forecast in here. */
  trafficProfile?: (campaign: Campaign) => TrafficProfile;
  /**
   * A learned bid-multiplier policy on the advertiser value (learning/objective-policy.ts);
   * absent, null or holding NEUTRAL_OBJECTIVE = the rules alone.
   */
  objectiveModel?: ModelHolder<ObjectivePolicy> | null;
  /** New reservation ids; defaults to random UUIDs. */
  newReservationId?: () => string;
  /**
   * evaluate() may reuse a campaign's spend and outcome counters read this
   * recently (ms; 0 = always read). These reads are advisory: commit()
   * enforces budgets atomically, so a slightly old read can only make a
   * counter-offer optimistic, never overspend. Saves most state reads under load.
   */
  advisoryReadTtlMs?: number;
  log?: Logger;
}

export interface RecordOutcomeResult {
  /** This call recorded the event (false for a replayed idempotency key). */
  accepted: boolean;
  duplicate: boolean;
  settledMicros: number;
}

/** One campaign's spend against its pacing curve, and its outcome counters (CampaignStatus). */
export interface CampaignStatus {
  campaign: Campaign;
  /** The paced period's budget (daily, else lifetime); 0 = unlimited. */
  budgetMicros: number;
  /** What the ideal curve has spent by now (0 when not paced evenly). */
  idealMicros: number;
  /** Spent + reserved in that period. */
  spendMicros: number;
  pacingMultiplier: number;
  lifetimeSpentMicros: number;
  todaySpentMicros: number;
  counters: OutcomeCounters;
}

/** What evaluate needs to know about one campaign, read once per call. */
interface CampaignFacts {
  campaign: Campaign | undefined;
  spend: SpendState;
  sessionImpressions: number;
  counters: OutcomeCounters;
}

const REFUSAL_REASON: Record<ReserveRefusal, ReasonCode> = {
  lifetime_budget: 'REASON_BUDGET_EXHAUSTED',
  daily_budget: 'REASON_BUDGET_EXHAUSTED',
  frequency_cap: 'REASON_FREQUENCY_CAP',
  duplicate: 'REASON_COMMIT_REJECTED',
};

/** A state adapter failure (e.g. Redis down) is UNAVAILABLE: the broker falls back to its local guard. */
function unavailable(err: unknown): DomainError {
  return new DomainError('unavailable', `objective state unavailable: ${messageOf(err)}`);
}

/** The objective agent's counter as a critic's verdicts (agent.proto): its value is the advertiser term. */
export function critiqueOf(counter: Counter): Critique {
  return {
    verdicts: counter.values.map((v) => ({
      creativeId: v.creativeId,
      eligible: v.eligible,
      reason: v.reason,
      detail: v.detail,
      value: v.advertiserValue,
      pacingMultiplier: v.pacingMultiplier,
      goal: v.goal,
    })),
    modelVersion: counter.modelVersion,
  };
}

export class ObjectiveAgent {
  readonly modelVersion = OBJECTIVE_MODEL_VERSION;
  private readonly clock: () => number;
  private readonly profileOf: (campaign: Campaign) => TrafficProfile;
  private readonly newReservationId: () => string;
  private sweeper: NodeJS.Timeout | null = null;
  /** Recent advisory reads per campaign (see advisoryReadTtlMs); concurrent evaluations share one read. */
  private readonly advisory = new Map<string, { at: number; read: Promise<[SpendState, OutcomeCounters]> }>();

  constructor(private readonly options: ObjectiveAgentOptions) {
    this.clock = options.clock ?? Date.now;
    this.profileOf = options.trafficProfile ?? (() => FLAT_PROFILE);
    this.newReservationId = options.newReservationId ?? (() => `rsv-${randomUUID()}`);
  }

  async evaluate(input: EvaluateInput): Promise<Counter> {
    const now = this.clock();
    const catalogue = this.options.catalogue.current();
    const ids = [...new Set(input.candidates.map((c) => c.campaignId))];
    let facts: Map<string, CampaignFacts>;
    try {
      const [loaded, impressions] = await Promise.all([
        Promise.all(this.advisoryReads(ids, now)),
        this.sessionImpressions(catalogue, ids, input.sessionId, now),
      ]);
      facts = new Map(
        ids.map((id, i) => {
          const [spend, counters] = loaded[i]!;
          const campaign = catalogue.campaigns.get(id);
          return [id, { campaign, spend, counters, sessionImpressions: impressions.get(id) ?? 0 }];
        }),
      );
    } catch (err) {
      throw unavailable(err);
    }
    const held = this.options.objectiveModel?.current();
    const policy = held && held !== NEUTRAL_OBJECTIVE ? held : null;
    return {
      values: input.candidates.map((c) => this.value(c, facts.get(c.campaignId)!, now, policy)),
      modelVersion: policy ? policy.version : this.modelVersion,
    };
  }

  /**
   * One reservation per chosen ad; each succeeds or fails on its own. A paid
   * campaign's amount must be positive (INVALID_ARGUMENT otherwise); house
   * campaigns are reserved at 0 whatever the amount.
   */
  async commit(input: CommitInput): Promise<CommitResult[]> {
    const now = this.clock();
    const catalogue = this.options.catalogue.current();
    input.reservations.forEach((r, i) => {
      const campaign = catalogue.campaigns.get(r.campaignId);
      if (campaign && campaign.tier !== 'house' && r.amountMicros <= 0) {
        // Checked before anything is reserved, so a bad commit changes nothing.
        throw invalidArgument(
          `commit.reservations[${i}].amount_micros`,
          'required (> 0) for a paid campaign',
        );
      }
    });
    const settled = await Promise.allSettled(
      input.reservations.map((r) => this.reserveOne(catalogue, input.sessionId, r, now)),
    );
    // This replica's own commits are seen at once; other replicas' within advisoryReadTtlMs.
    for (const r of input.reservations) this.advisory.delete(r.campaignId);
    this.rememberReservations(input.requestId, settled);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      // Do not leave half a commit behind: release what did reserve, then report the failure.
      const held = settled.flatMap((s) =>
        s.status === 'fulfilled' && s.value.reserved ? [s.value.reservationId] : [],
      );
      await Promise.allSettled(held.map((id) => this.options.ledger.release(id)));
      throw unavailable((failed as PromiseRejectedResult).reason);
    }
    return settled.map((s) => (s as PromiseFulfilledResult<CommitResult>).value);
  }

  /**
   * Gives back reservations at once: `reservationIds`, or (none given) every
   * reservation this agent made for the request that is still held. Resolves
   * with how many were released; a settled or already released one is left as it is.
   */
  async release(requestId: string, reservationIds: string[]): Promise<number> {
    const ids = reservationIds.length > 0 ? reservationIds : (this.byRequest.get(requestId) ?? []);
    this.byRequest.delete(requestId);
    let released = 0;
    try {
      for (const id of ids) if (await this.options.ledger.release(id)) released++;
    } catch (err) {
      throw unavailable(err);
    }
    return released;
  }

  /** Records an outcome once per idempotency key; an impression settles its reservation. */
  async recordOutcome(e: OutcomeEventInput): Promise<RecordOutcomeResult> {
    const now = this.clock();
    const campaignId = this.campaignOf(e.creativeId);
    try {
      const r = await this.options.outcomes.record(
        {
          idempotencyKey: e.idempotencyKey,
          requestId: e.requestId,
          reservationId: e.reservationId,
          creativeId: e.creativeId,
          campaignId,
          sessionId: e.sessionId,
          event: e.event,
          skipOffsetMs: e.skipOffsetMs,
          occurredAtMs: e.occurredAtMs || now,
        },
        now,
      );
      return { accepted: !r.duplicate, duplicate: r.duplicate, settledMicros: r.settledMicros };
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** The outcome log's next entries for a learner's consumer group (see OutcomeLog.readGroup). */
  async readOutcomes(
    group: string,
    consumer: string,
    count: number,
    from: GroupStart = 'oldest',
  ): Promise<LoggedOutcome[]> {
    try {
      return await this.options.outcomes.readGroup(group, consumer, count, from);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Acknowledges a consumer group's entries; returns how many were pending. */
  async ackOutcomes(group: string, ids: string[]): Promise<number> {
    try {
      return await this.options.outcomes.ack(group, ids);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Removes a learner's consumer group; false when there was none. */
  async leaveOutcomes(group: string): Promise<boolean> {
    try {
      return await this.options.outcomes.leaveGroup(group);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Releases reservations that were never settled within the reservation TTL. */
  async sweep(): Promise<number> {
    const released = await this.options.ledger.releaseExpired(this.clock());
    if (released.length > 0)
      this.options.log?.debug('released expired reservations', { count: released.length });
    return released.length;
  }

  /** Runs sweep() every intervalMs (safe with several replicas: each release is atomic). */
  startSweeper(intervalMs: number): void {
    this.stopSweeper();
    this.sweeper = setInterval(() => {
      this.sweep().catch((err) =>
        this.options.log?.warn('reservation sweep failed', { error: messageOf(err) }),
      );
    }, intervalMs);
    this.sweeper.unref();
  }

  /** Every catalogue campaign's pacing and outcome counters (read-only; the admin dashboard). */
  async campaignStatus(): Promise<CampaignStatus[]> {
    const now = this.clock();
    const campaigns = [...this.options.catalogue.current().campaigns.values()];
    try {
      return await Promise.all(
        campaigns.map(async (campaign) => {
          const [spend, counters] = await Promise.all([
            this.options.ledger.spend(campaign.id, now),
            this.options.outcomes.counters(campaign.id),
          ]);
          const lifetime = spend.lifetimeSpentMicros + spend.lifetimeReservedMicros;
          const today = spend.todaySpentMicros + spend.todayReservedMicros;
          const daily = campaign.dailyBudgetMicros > 0;
          const p = this.pacing(campaign, spend, now);
          return {
            campaign,
            budgetMicros: daily ? campaign.dailyBudgetMicros : campaign.totalBudgetMicros,
            idealMicros: Math.round(p.idealMicros),
            spendMicros: daily ? today : lifetime,
            pacingMultiplier: p.multiplier,
            lifetimeSpentMicros: spend.lifetimeSpentMicros,
            todaySpentMicros: spend.todaySpentMicros,
            counters,
          };
        }),
      );
    } catch (err) {
      throw unavailable(err);
    }
  }

  stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** The campaign a creative belongs to ('' when the catalogue does not know it). */
  campaignOf(creativeId: string): string {
    return this.options.catalogue.current().creatives.get(creativeId)?.campaignId ?? '';
  }

  /** Every paid campaign's spend and pacing now (for the metrics gauges). */
  async spendReport(): Promise<CampaignSpendSample[]> {
    const now = this.clock();
    const campaigns = [...this.options.catalogue.current().campaigns.values()].filter(
      (c) => c.tier !== 'house',
    );
    const spends = await Promise.all(campaigns.map((c) => this.options.ledger.spend(c.id, now)));
    return campaigns.map((c, i) => {
      const spend = spends[i]!;
      const p = c.pacing === 'even' ? this.pacing(c, spend, now) : null;
      return {
        campaignId: c.id,
        ...spend,
        pacing:
          p && p.budgetMicros > 0
            ? {
                budgetMicros: p.budgetMicros,
                idealMicros: p.idealMicros,
                spendMicros: p.spendMicros,
                multiplier: p.multiplier,
              }
            : null,
      };
    });
  }

  private pacing(
    campaign: Campaign,
    spend: SpendState,
    now: number,
    mode: PacingMode = campaign.pacing,
  ): PacingDecision {
    return pace({
      mode,
      nowMs: now,
      totalBudgetMicros: campaign.totalBudgetMicros,
      dailyBudgetMicros: campaign.dailyBudgetMicros,
      flightStartMs: campaign.flightStartMs,
      flightEndMs: campaign.flightEndMs,
      lifetimeSpendMicros: spend.lifetimeSpentMicros + spend.lifetimeReservedMicros,
      todaySpendMicros: spend.todaySpentMicros + spend.todayReservedMicros,
      profile: this.profileOf(campaign),
    });
  }

  /** The session's impressions of every frequency-capped campaign among `ids` (one ledger call when it can). */
  private async sessionImpressions(
    catalogue: Catalogue,
    ids: string[],
    sessionId: string,
    now: number,
  ): Promise<Map<string, number>> {
    const caps: Array<{ campaignId: string; windowMs: number }> = [];
    for (const id of ids) {
      const cap = catalogue.campaigns.get(id)?.frequencyCap;
      if (cap && cap.maxImpressions > 0) caps.push({ campaignId: id, windowMs: cap.windowMs });
    }
    const out = new Map<string, number>();
    if (caps.length === 0) return out;
    const ledger = this.options.ledger;
    const counts = ledger.sessionImpressionsMany
      ? await ledger.sessionImpressionsMany(caps, sessionId, now)
      : await Promise.all(
          caps.map((c) => ledger.sessionImpressions(c.campaignId, sessionId, c.windowMs, now)),
        );
    caps.forEach((c, i) => {
      out.set(c.campaignId, counts[i] ?? 0);
    });
    return out;
  }

  /**
   * Each campaign's spend and outcome counters: a recent read where there
   * is one, else read now, all missing campaigns in one call per port when
   * the port can (spendMany / countersMany).
   */
  private advisoryReads(campaignIds: string[], now: number): Array<Promise<[SpendState, OutcomeCounters]>> {
    const ttl = this.options.advisoryReadTtlMs ?? 0;
    const out: Array<Promise<[SpendState, OutcomeCounters]>> = [];
    const missing: string[] = [];
    const slots: number[] = [];
    campaignIds.forEach((id, i) => {
      const hit = this.advisory.get(id);
      if (hit && now - hit.at < ttl) out[i] = hit.read;
      else {
        missing.push(id);
        slots.push(i);
      }
    });
    if (missing.length === 0) return out;
    const { ledger, outcomes } = this.options;
    const both = Promise.all([
      ledger.spendMany
        ? ledger.spendMany(missing, now)
        : Promise.all(missing.map((id) => ledger.spend(id, now))),
      outcomes.countersMany
        ? outcomes.countersMany(missing)
        : Promise.all(missing.map((id) => outcomes.counters(id))),
    ]);
    missing.forEach((id, k) => {
      const read = both.then(([spends, counters]): [SpendState, OutcomeCounters] => [
        spends[k]!,
        counters[k]!,
      ]);
      if (ttl > 0) {
        this.advisory.set(id, { at: now, read });
        read.catch(() => this.advisory.delete(id));
      }
      out[slots[k]!] = read;
    });
    return out;
  }

  private value(c: Candidate, f: CampaignFacts, now: number, policy: ObjectivePolicy | null): CandidateValue {
    const campaign = f.campaign;
    const pacing = campaign ? this.pacing(campaign, f.spend, now) : null;
    const verdict = checkEligibility({
      campaign,
      campaignId: c.campaignId,
      costMicros: campaign ? costOf(campaign, c.priceMicros) : c.priceMicros,
      nowMs: now,
      spend: f.spend,
      sessionImpressions: f.sessionImpressions,
      pacing: pacing ?? { multiplier: 1, throttle: false, budgetMicros: 0, idealMicros: 0, spendMicros: 0 },
    });
    const multiplier = pacing?.multiplier ?? 1;
    const goal = campaign?.goal ?? 'awareness';
    if (!verdict.eligible || !campaign) {
      return {
        creativeId: c.creativeId,
        eligible: false,
        reason: verdict.eligible ? 'REASON_UNSPECIFIED' : verdict.reason,
        detail: verdict.eligible ? '' : verdict.detail,
        advertiserValue: 0,
        pacingMultiplier: multiplier,
        goal,
      };
    }
    const value = advertiserValue({
      goal,
      pComplete: c.pComplete,
      pEngage: c.pEngage,
      counters: f.counters,
      kpi: campaign.kpi,
      pacingMultiplier: multiplier,
    });
    return {
      creativeId: c.creativeId,
      eligible: true,
      reason: null,
      detail: '',
      advertiserValue: policy
        ? Math.min(
            MAX_ADVERTISER_VALUE,
            Math.max(0, value * this.learnedMultiplier(policy, campaign, f, now)),
          )
        : value,
      pacingMultiplier: multiplier,
      goal,
    };
  }

  /** The policy's multiplier for the campaign's state. */
  private learnedMultiplier(
    policy: ObjectivePolicy,
    campaign: Campaign,
    f: CampaignFacts,
    now: number,
  ): number {
    return policy.multiplier(this.stateOf(campaign, f.spend, f.counters, now));
  }

  /** What the learned bid-multiplier policy sees of a campaign now (the simulator trains it on the same). */
  async campaignState(campaign: Campaign): Promise<CampaignState> {
    const now = this.clock();
    const [spend, counters] = await Promise.all([
      this.options.ledger.spend(campaign.id, now),
      this.options.outcomes.counters(campaign.id),
    ]);
    return this.stateOf(campaign, spend, counters, now);
  }

  /** The position against the even-pacing curve, whatever the campaign's own pacing mode, and its KPIs. */
  private stateOf(
    campaign: Campaign,
    spend: SpendState,
    counters: OutcomeCounters,
    now: number,
  ): CampaignState {
    const curve = this.pacing(campaign, spend, now, 'even');
    return {
      budgetMicros: curve.budgetMicros,
      idealMicros: curve.idealMicros,
      spendMicros: curve.spendMicros,
      kpiProgress: kpiProgress(campaign.goal, counters, campaign.kpi),
      impressions: counters.impressions,
      dayElapsed: (now - utcDay(now) * DAY_MS) / DAY_MS,
    };
  }

  /** Recent requests' reservation ids (bounded), so a request's reservations can be released at once. */
  private readonly byRequest = new Map<string, string[]>();

  private rememberReservations(requestId: string, settled: PromiseSettledResult<CommitResult>[]): void {
    const ids: string[] = [];
    for (const s of settled)
      if (s.status === 'fulfilled' && s.value.reserved) ids.push(s.value.reservationId);
    if (ids.length === 0) return;
    this.byRequest.set(requestId, [...(this.byRequest.get(requestId) ?? []), ...ids]);
    // Reservations expire after their TTL anyway: only recent requests need to be releasable at once.
    while (this.byRequest.size > MAX_RELEASABLE_REQUESTS) {
      this.byRequest.delete(this.byRequest.keys().next().value as string);
    }
  }

  private async reserveOne(
    catalogue: Catalogue,
    sessionId: string,
    r: ReservationRequest,
    now: number,
  ): Promise<CommitResult> {
    const refused = (reason: ReasonCode): CommitResult => ({
      creativeId: r.creativeId,
      reserved: false,
      reservationId: '',
      reason,
    });
    const campaign = catalogue.campaigns.get(r.campaignId);
    const status = checkStatus(campaign, r.campaignId, now);
    if (!status.eligible || !campaign) {
      return refused(
        status.eligible || status.reason === 'REASON_UNSPECIFIED' ? 'REASON_COMMIT_REJECTED' : status.reason,
      );
    }
    const creative = catalogue.creatives.get(r.creativeId);
    if (creative && creative.campaignId !== campaign.id) return refused('REASON_COMMIT_REJECTED');
    const reservationId = this.newReservationId();
    const result = await this.options.ledger.reserve({
      reservationId,
      campaignId: campaign.id,
      sessionId,
      amountMicros: costOf(campaign, r.amountMicros),
      limits: campaign,
      nowMs: now,
    });
    if (!result.reserved) return refused(REFUSAL_REASON[result.reason]);
    return { creativeId: r.creativeId, reserved: true, reservationId, reason: null };
  }
}
