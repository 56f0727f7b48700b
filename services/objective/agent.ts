/**
 * The objective agent's domain service: values the inventory agent's
 * candidates for their advertisers (eligibility, pacing, goal and KPI
 * progress), commits spend atomically through the budget ledger, and records
 * outcomes (an impression settles its reservation). No transport here; time
 * comes from an injected clock. A learned bid-multiplier policy, when one is
 * held, scales each eligible candidate's advertiser value (read once per
 * evaluate, so a hot swap never splits a counter-offer between versions).
 * Brand lift: a campaign with a hold-out (catalogue `brand_lift.holdout`)
 * is vetoed for the listeners of its control group, and the survey waves
 * operators report (reportBrandLift) value awareness campaigns by their
 * measured lift (brand-lift.ts), reloaded from the shared store when another
 * replica changed them.
 */
import { randomUUID } from 'node:crypto';
import type { ModelHolder } from '../../learning/artifacts';
import { type CampaignState, NEUTRAL_OBJECTIVE, type ObjectivePolicy } from '../../learning/objective-policy';
import type { CatalogueSource } from '../common/catalogue/load';
import type { Campaign, Catalogue, PacingMode } from '../common/catalogue/types';
import { holdoutKey } from '../common/domain/brand-lift';
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
import {
  type BrandLiftStore,
  type CampaignLift,
  type LiftModel,
  type LiftRecordStatus,
  type LiftWave,
  liftModelOf,
  NO_LIFT,
  waveKey,
} from './brand-lift';
import { checkEligibility, checkStatus, costOf } from './eligibility';
import type { BatchReservation, BudgetLedger, ReserveRefusal, ReserveResult, SpendState } from './ledger';
import type {
  ChargeRefusal,
  GroupStart,
  LoggedOutcome,
  OutcomeCounters,
  OutcomeEntry,
  OutcomeLog,
  RecordResult,
} from './outcome-log';
import { DAY_MS, FLAT_PROFILE, type PacingDecision, pace, type TrafficProfile, utcDay } from './pacing';
import { advertiserValue, kpiProgress, MAX_ADVERTISER_VALUE } from './valuation';

export const OBJECTIVE_MODEL_VERSION = 'pacing-rules-v1';

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
  /** New reservation ids, never one used before (commit relies on it); defaults to random UUIDs. */
  newReservationId?: () => string;
  /**
   * evaluate() may reuse a campaign's spend and outcome counters read this
   * recently (ms; 0 = always read). These reads are advisory: commit()
   * enforces budgets atomically, so a slightly old read can only make a
   * counter-offer optimistic, never overspend. Saves most state reads under load.
   */
  advisoryReadTtlMs?: number;
  /** Brand-lift survey waves (reportBrandLift); absent = none: no campaign is valued by lift. */
  brandLift?: BrandLiftStore | null;
  log?: Logger;
}

/** What a brand-lift report did (ReportBrandLift). */
export interface BrandLiftReport {
  /** One per wave reported, in order. */
  statuses: LiftRecordStatus[];
  /** Every campaign with a wave kept, after the report. */
  campaigns: CampaignLift[];
}

export interface RecordOutcomeResult {
  /** This call recorded the event (false for a replayed idempotency key). */
  accepted: boolean;
  duplicate: boolean;
  /** Micros this impression charged (on time, or late: see `late`). */
  settledMicros: number;
  /** The impression was charged after its reservation had expired. */
  late: boolean;
  /** Why an impression charged nothing; null when charged, and for other events. */
  refusal: ChargeRefusal | null;
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

/** A campaign's spend and outcome counters, as evaluate reads them (advisory). */
interface Books {
  spend: SpendState;
  counters: OutcomeCounters;
}

/** What evaluate needs to know about one campaign, read and worked out once per call. */
interface CampaignFacts extends Books {
  campaign: Campaign | undefined;
  sessionImpressions: number;
  /** null for a campaign the catalogue does not know. */
  pacing: PacingDecision | null;
}

const NOT_PACED: PacingDecision = Object.freeze({
  multiplier: 1,
  throttle: false,
  budgetMicros: 0,
  idealMicros: 0,
  spendMicros: 0,
});

/** A recent advisory read of a campaign's books: `books` once it has arrived. */
interface AdvisoryRead {
  at: number;
  read: Promise<Books>;
  books: Books | null;
}

const REFUSAL_REASON: Record<ReserveRefusal, ReasonCode> = {
  lifetime_budget: 'REASON_BUDGET_EXHAUSTED',
  daily_budget: 'REASON_BUDGET_EXHAUSTED',
  frequency_cap: 'REASON_FREQUENCY_CAP',
  duplicate: 'REASON_COMMIT_REJECTED',
  abandoned: 'REASON_COMMIT_REJECTED',
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
      ...(v.liftMultiplier ? { liftMultiplier: v.liftMultiplier } : {}),
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
  private liftTimer: NodeJS.Timeout | null = null;
  /** The valuer built from the brand-lift waves at `version` of the store (NO_LIFT until the first load). */
  private lift: { version: number; model: LiftModel } = { version: 0, model: NO_LIFT };
  /** A reload in flight: concurrent refreshes share it. */
  private liftLoad: Promise<void> | null = null;
  /** Recent advisory reads per campaign (see advisoryReadTtlMs); concurrent evaluations share one read. */
  private readonly advisory = new Map<string, AdvisoryRead>();

  constructor(private readonly options: ObjectiveAgentOptions) {
    this.clock = options.clock ?? Date.now;
    this.profileOf = options.trafficProfile ?? (() => FLAT_PROFILE);
    this.newReservationId = options.newReservationId ?? (() => `rsv-${randomUUID()}`);
  }

  async evaluate(input: EvaluateInput): Promise<Counter> {
    const now = this.clock();
    const catalogue = this.options.catalogue.current();
    const ids = distinctCampaigns(input.candidates);
    const facts = new Map<string, CampaignFacts>();
    try {
      // Both reads start in this tick: with Redis they leave in one write (auto-pipelining).
      const [books, impressions] = await Promise.all([
        this.advisoryReads(ids, now),
        this.sessionImpressions(catalogue, ids, input.sessionId, now),
      ]);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        const { spend, counters } = books[i]!;
        const campaign = catalogue.campaigns.get(id);
        const pacing = campaign ? this.pacing(campaign, spend, now) : null;
        facts.set(id, { campaign, spend, counters, sessionImpressions: impressions[i]!, pacing });
      }
    } catch (err) {
      throw unavailable(err);
    }
    const held = this.options.objectiveModel?.current();
    const policy = held && held !== NEUTRAL_OBJECTIVE ? held : null;
    const listenerKey = holdoutKey(input);
    const lift = this.lift.model;
    return {
      values: input.candidates.map((c) =>
        this.value(c, facts.get(c.campaignId)!, now, policy, listenerKey, lift),
      ),
      modelVersion: policy ? policy.version : this.modelVersion,
    };
  }

  /**
   * One reservation per chosen ad, all in one ledger call; each succeeds or
   * fails on its own. A paid campaign's amount must be positive
   * (INVALID_ARGUMENT otherwise); house campaigns are reserved at 0 whatever
   * the amount. A commit that finishes when `tooLate()` says the caller has
   * stopped waiting (its deadline passed) releases what it reserved at once
   * and fails with DEADLINE_EXCEEDED, instead of holding money until the
   * reservation TTL for an answer never served.
   */
  async commit(input: CommitInput, tooLate: () => boolean = () => false): Promise<CommitResult[]> {
    const results = await this.reserveAll(input);
    if (!tooLate() || !results.some((r) => r.reserved)) return results;
    // Releasing all of the request also refuses a late retry of this commit (BudgetLedger.releaseRequest).
    if (input.requestId) await this.release(input.requestId);
    else
      await Promise.allSettled(
        results.map((r) => r.reserved && this.options.ledger.release(r.reservationId)),
      );
    throw new DomainError(
      'deadline_exceeded',
      'commit: finished after its deadline; its reservations were released',
    );
  }

  private async reserveAll(input: CommitInput): Promise<CommitResult[]> {
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
    const results: CommitResult[] = [];
    const batch: Array<BatchReservation & { slot: number }> = [];
    input.reservations.forEach((r, i) => {
      const campaign = catalogue.campaigns.get(r.campaignId);
      const refusal = commitRefusal(catalogue, campaign, r, now);
      // A reservation the ledger is asked for gets its result below.
      results.push(refused(r.creativeId, refusal ?? 'REASON_COMMIT_REJECTED'));
      if (refusal || !campaign) return;
      batch.push({
        slot: i,
        reservationId: this.newReservationId(),
        campaignId: campaign.id,
        amountMicros: costOf(campaign, r.amountMicros),
        limits: campaign,
      });
    });
    if (batch.length === 0) return results;
    const { ledger } = this.options;
    let reserved: ReserveResult[];
    try {
      reserved = await ledger.reserveMany({
        requestId: input.requestId,
        sessionId: input.sessionId,
        nowMs: now,
        reservations: batch,
      });
    } catch (err) {
      for (const r of batch) this.advisory.delete(r.campaignId);
      // The call may have reserved before it failed (e.g. a lost reply): do not
      // leave half a commit behind, release what it asked for, then report the failure.
      await Promise.allSettled(batch.map((r) => ledger.release(r.reservationId, now)));
      throw unavailable(err);
    }
    batch.forEach((r, k) => {
      const result = reserved[k]!;
      const creativeId = input.reservations[r.slot]!.creativeId;
      // The id was made up above: a ledger that already holds it holds it for this very call,
      // made by an earlier attempt whose answer was lost (a Redis client sends a command again
      // once it has reconnected). Refused, its money would be held for an ad never served.
      if (result.reserved || result.reason === 'duplicate') {
        this.noteReservation(r.campaignId, r.amountMicros, now);
        results[r.slot] = { creativeId, reserved: true, reservationId: r.reservationId, reason: null };
      } else {
        this.noteReservation(r.campaignId, null, now);
        results[r.slot] = refused(creativeId, REFUSAL_REASON[result.reason]);
      }
    });
    return results;
  }

  /**
   * Gives back reservations the broker will not use (a commit it gave up
   * waiting for, a pod it could not serve): those among `reservationIds`
   * that belong to the request, or every open one of it when none are
   * named. Returns how many were released; releasing again, or after an
   * impression settled them, releases nothing. (This replica's advisory reads
   * may count the released money for up to advisoryReadTtlMs: conservative.)
   */
  async release(requestId: string, reservationIds: readonly string[] = []): Promise<number> {
    try {
      return (await this.options.ledger.releaseRequest(requestId, reservationIds, this.clock())).length;
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Records an outcome once per idempotency key; an impression settles its reservation. */
  async recordOutcome(e: OutcomeEventInput): Promise<RecordOutcomeResult> {
    const now = this.clock();
    try {
      return resultOf(await this.options.outcomes.record(this.entryOf(e, now), now));
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * recordOutcome for each event, in order, in one outcome log call (one
   * round trip with Redis), with the same guarantees: each idempotency key
   * has an effect once, even when repeated within the batch.
   */
  async recordOutcomes(events: readonly OutcomeEventInput[]): Promise<RecordOutcomeResult[]> {
    const now = this.clock();
    let results: RecordResult[];
    try {
      results = await this.options.outcomes.recordMany(
        events.map((e) => this.entryOf(e, now)),
        now,
      );
    } catch (err) {
      throw unavailable(err);
    }
    return results.map(resultOf);
  }

  /** The log entry of an outcome: its campaign from the catalogue, its time the agent's clock's when it has none. */
  private entryOf(e: OutcomeEventInput, now: number): OutcomeEntry {
    return {
      idempotencyKey: e.idempotencyKey,
      requestId: e.requestId,
      reservationId: e.reservationId,
      creativeId: e.creativeId,
      campaignId: this.campaignOf(e.creativeId),
      sessionId: e.sessionId,
      event: e.event,
      skipOffsetMs: e.skipOffsetMs,
      occurredAtMs: e.occurredAtMs || now,
    };
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

  /**
   * Keeps brand-lift survey waves (once per campaign and wave id) and values
   * awareness campaigns by them from now on. All or nothing: a wave of a
   * campaign the catalogue does not know, or a wave listed twice in the
   * report with different figures, refuses the whole report
   * (INVALID_ARGUMENT naming results[i]) before anything is kept.
   */
  async reportBrandLift(waves: readonly LiftWave[]): Promise<BrandLiftReport> {
    const store = this.options.brandLift;
    if (!store)
      throw new DomainError('unavailable', 'brand lift: this objective agent keeps no survey waves');
    const campaigns = this.options.catalogue.current().campaigns;
    const seen = new Map<string, { at: number; wave: LiftWave }>();
    waves.forEach((w, i) => {
      if (!campaigns.has(w.campaignId))
        throw invalidArgument(`results[${i}].campaign_id`, `unknown campaign "${w.campaignId}"`);
      const key = waveKey(w);
      const earlier = seen.get(key);
      if (earlier && !sameWave(earlier.wave, w))
        throw invalidArgument(
          `results[${i}].wave_id`,
          `wave "${w.waveId}" of campaign ${w.campaignId} is also results[${earlier.at}], with other figures`,
        );
      if (!earlier) seen.set(key, { at: i, wave: w });
    });
    let statuses: LiftRecordStatus[];
    try {
      statuses = await store.record(waves);
    } catch (err) {
      throw unavailable(err);
    }
    // Kept: a reload that fails now is retried by the refresh timer (and a resent report is a duplicate).
    await this.refreshBrandLift().catch((err) =>
      this.options.log?.warn('brand lift reload failed', { error: messageOf(err) }),
    );
    return { statuses, campaigns: this.brandLiftSummary() };
  }

  /** Reloads the waves when the store's version moved (another replica's report); cheap otherwise (one read). */
  async refreshBrandLift(): Promise<void> {
    const store = this.options.brandLift;
    if (!store) return;
    while (this.liftLoad) await this.liftLoad;
    const load = (async () => {
      if ((await store.version()) === this.lift.version) return;
      const { version, waves } = await store.snapshot();
      this.lift = { version, model: liftModelOf(waves) };
      this.options.log?.info('brand lift reloaded', { version, waves: waves.length });
    })();
    this.liftLoad = load;
    try {
      await load;
    } finally {
      if (this.liftLoad === load) this.liftLoad = null;
    }
  }

  /** What the agent makes of each measured campaign's lift now. */
  brandLiftSummary(): CampaignLift[] {
    const { valuer, campaigns } = this.lift.model;
    const catalogue = this.options.catalogue.current().campaigns;
    return [...campaigns.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, c]) => {
        const goal = catalogue.get(id)?.goal ?? '';
        return {
          campaignId: id,
          goal,
          waves: c.waves,
          liftPerImpression: valuer.estimate(id) ?? 0,
          multiplier: goal ? valuer.multiplier(id, goal) : 1,
        };
      });
  }

  /** Runs refreshBrandLift() every intervalMs, so replicas pick up each other's reports. */
  startBrandLiftRefresh(intervalMs: number): void {
    this.stopBrandLiftRefresh();
    if (!this.options.brandLift) return;
    const refresh = () =>
      this.refreshBrandLift().catch((err) =>
        this.options.log?.warn('brand lift reload failed', { error: messageOf(err) }),
      );
    void refresh();
    this.liftTimer = setInterval(refresh, intervalMs);
    this.liftTimer.unref();
  }

  stopBrandLiftRefresh(): void {
    if (this.liftTimer) clearInterval(this.liftTimer);
    this.liftTimer = null;
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
        lifetimeBudgetMicros: c.totalBudgetMicros,
        dailyBudgetMicros: c.dailyBudgetMicros,
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

  /**
   * The session's impressions of each campaign of `ids` (0 for one without
   * a frequency cap), in that order: one ledger call when it can.
   */
  private async sessionImpressions(
    catalogue: Catalogue,
    ids: readonly string[],
    sessionId: string,
    now: number,
  ): Promise<number[]> {
    const out = new Array<number>(ids.length).fill(0);
    const caps: Array<{ campaignId: string; windowMs: number }> = [];
    const slots: number[] = [];
    ids.forEach((id, i) => {
      const cap = catalogue.campaigns.get(id)?.frequencyCap;
      if (!cap || cap.maxImpressions <= 0) return;
      caps.push({ campaignId: id, windowMs: cap.windowMs });
      slots.push(i);
    });
    if (caps.length === 0) return out;
    const ledger = this.options.ledger;
    const counts = ledger.sessionImpressionsMany
      ? await ledger.sessionImpressionsMany(caps, sessionId, now)
      : await Promise.all(
          caps.map((c) => ledger.sessionImpressions(c.campaignId, sessionId, c.windowMs, now)),
        );
    slots.forEach((slot, k) => {
      out[slot] = counts[k] ?? 0;
    });
    return out;
  }

  /**
   * Each campaign's books, in the order asked: a recent read where there is
   * one (or the one in flight), else read now, all missing campaigns in one
   * call per port when the port can (spendMany / countersMany).
   */
  private async advisoryReads(campaignIds: readonly string[], now: number): Promise<Books[]> {
    const ttl = this.options.advisoryReadTtlMs ?? 0;
    const books = new Array<Books>(campaignIds.length);
    const waits: Array<Promise<void>> = [];
    const missing: string[] = [];
    const slots: number[] = [];
    for (let i = 0; i < campaignIds.length; i++) {
      const id = campaignIds[i]!;
      const hit = this.advisory.get(id);
      if (!hit || now - hit.at >= ttl) {
        missing.push(id);
        slots.push(i);
      } else if (hit.books) books[i] = hit.books;
      else
        waits.push(
          hit.read.then((b) => {
            books[i] = b;
          }),
        );
    }
    if (missing.length > 0) {
      const read = this.readBooks(missing, now);
      if (ttl > 0) this.remember(missing, now, read);
      waits.push(
        read.then((all) => {
          slots.forEach((slot, k) => {
            books[slot] = all[k]!;
          });
        }),
      );
    }
    if (waits.length > 0) await Promise.all(waits);
    return books;
  }

  /**
   * This replica's own commits are seen at once (other replicas' within
   * advisoryReadTtlMs): a reservation adds its amount to the advisory books
   * of its campaign; a refusal, books still in flight or of another UTC day
   * are forgotten (the next evaluation reads them again).
   */
  private noteReservation(campaignId: string, amountMicros: number | null, now: number): void {
    const hit = this.advisory.get(campaignId);
    if (!hit) return;
    if (amountMicros === null || !hit.books || utcDay(hit.at) !== utcDay(now)) {
      this.advisory.delete(campaignId);
      return;
    }
    const s = hit.books.spend;
    hit.books = {
      counters: hit.books.counters,
      spend: {
        ...s,
        lifetimeReservedMicros: s.lifetimeReservedMicros + amountMicros,
        todayReservedMicros: s.todayReservedMicros + amountMicros,
      },
    };
  }

  private async readBooks(ids: readonly string[], now: number): Promise<Books[]> {
    const { ledger, outcomes } = this.options;
    const [spends, counters] = await Promise.all([
      ledger.spendMany ? ledger.spendMany(ids, now) : Promise.all(ids.map((id) => ledger.spend(id, now))),
      outcomes.countersMany
        ? outcomes.countersMany(ids)
        : Promise.all(ids.map((id) => outcomes.counters(id))),
    ]);
    return ids.map((_, k) => ({ spend: spends[k]!, counters: counters[k]! }));
  }

  /** Keeps a read of `ids` for advisoryReadTtlMs (forgotten if it fails). */
  private remember(ids: readonly string[], now: number, read: Promise<Books[]>): void {
    ids.forEach((id, k) => {
      const entry: AdvisoryRead = { at: now, books: null, read: read.then((all) => all[k]!) };
      this.advisory.set(id, entry);
      entry.read.then(
        (b) => {
          entry.books = b;
        },
        () => {
          if (this.advisory.get(id) === entry) this.advisory.delete(id);
        },
      );
    });
  }

  private value(
    c: Candidate,
    f: CampaignFacts,
    now: number,
    policy: ObjectivePolicy | null,
    listenerKey: string,
    lift: LiftModel,
  ): CandidateValue {
    const { campaign, pacing } = f;
    const verdict = checkEligibility({
      campaign,
      campaignId: c.campaignId,
      costMicros: campaign ? costOf(campaign, c.priceMicros) : c.priceMicros,
      nowMs: now,
      spend: f.spend,
      sessionImpressions: f.sessionImpressions,
      pacing: pacing ?? NOT_PACED,
      listenerKey,
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
    // Only a measured awareness campaign's value moves (LiftValuer.multiplier is 1 otherwise).
    const measured = goal === 'awareness' && lift.campaigns.has(campaign.id);
    const liftMultiplier = measured ? lift.valuer.multiplier(campaign.id, goal) : 1;
    const value = advertiserValue({
      goal,
      pComplete: c.pComplete,
      pEngage: c.pEngage,
      counters: f.counters,
      kpi: campaign.kpi,
      pacingMultiplier: multiplier,
      liftMultiplier,
    });
    return {
      creativeId: c.creativeId,
      eligible: true,
      reason: null,
      detail: measured ? liftDetail(lift, campaign.id, liftMultiplier) : '',
      ...(measured ? { liftMultiplier } : {}),
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
}

/** Two reports of one wave with the same figures. */
function sameWave(a: LiftWave, b: LiftWave): boolean {
  return (Object.keys(a) as Array<keyof LiftWave>).every((k) => Object.is(a[k], b[k]));
}

/** An eligible awareness candidate's verdict detail: the lift factor of its value, and where it comes from. */
function liftDetail(lift: LiftModel, campaignId: string, multiplier: number): string {
  const waves = lift.campaigns.get(campaignId)?.waves ?? 0;
  const per = lift.valuer.estimate(campaignId);
  const measured =
    per === undefined
      ? 'no wave with enough respondents yet'
      : `${(per * 1000).toFixed(2)} extra recalls per 1000 impressions`;
  return `brand lift ×${multiplier.toFixed(3)} (${waves} survey wave${waves === 1 ? '' : 's'}, ${measured})`;
}

function resultOf(r: RecordResult): RecordOutcomeResult {
  return {
    accepted: !r.duplicate,
    duplicate: r.duplicate,
    settledMicros: r.settledMicros,
    late: r.late,
    refusal: r.refusal,
  };
}

function refused(creativeId: string, reason: ReasonCode): CommitResult {
  return { creativeId, reserved: false, reservationId: '', reason };
}

/** The distinct campaigns of the candidates, in the order they first appear. */
function distinctCampaigns(candidates: readonly Candidate[]): string[] {
  const seen = new Set<string>();
  for (const c of candidates) seen.add(c.campaignId);
  return [...seen];
}

/** Why a reservation is refused before the ledger is asked (unknown, paused, out of flight, a creative of another campaign), or null. */
function commitRefusal(
  catalogue: Catalogue,
  campaign: Campaign | undefined,
  r: ReservationRequest,
  now: number,
): ReasonCode | null {
  const status = checkStatus(campaign, r.campaignId, now);
  if (!status.eligible || !campaign) {
    return status.eligible || status.reason === 'REASON_UNSPECIFIED'
      ? 'REASON_COMMIT_REJECTED'
      : status.reason;
  }
  const creative = catalogue.creatives.get(r.creativeId);
  if (creative && creative.campaignId !== campaign.id) return 'REASON_COMMIT_REJECTED';
  return null;
}
