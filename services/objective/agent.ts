/**
 * The objective agent's domain service: values the inventory agent's
 * candidates for their advertisers (eligibility, pacing, goal and KPI
 * progress), commits spend atomically through the budget ledger, and records
 * outcomes (an impression settles its reservation). No transport here; time
 * comes from an injected clock.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { CatalogueSource } from '../common/catalogue/load';
import type { Campaign, Catalogue } from '../common/catalogue/types';
import type {
  Candidate,
  CandidateValue,
  CommitInput,
  CommitResult,
  Counter,
  EvaluateInput,
  OutcomeEventInput,
  ReasonCode,
  ReservationRequest,
} from '../common/domain/types';
import { invalidArgument, messageOf, RpcError } from '../common/grpc/errors';
import type { Logger } from '../common/log';
import { checkEligibility, checkStatus, costOf } from './eligibility';
import type { BudgetLedger, ReserveRefusal, SpendState } from './ledger';
import type { OutcomeCounters, OutcomeLog } from './outcome-log';
import { FLAT_PROFILE, pace, type TrafficProfile } from './pacing';
import { advertiserValue } from './valuation';

export const OBJECTIVE_MODEL_VERSION = 'pacing-rules-v1';

export interface ObjectiveAgentOptions {
  catalogue: CatalogueSource;
  ledger: BudgetLedger;
  outcomes: OutcomeLog;
  /** Epoch ms; defaults to Date.now. */
  clock?: () => number;
  /** Expected traffic per UTC hour for a campaign's even pacing (default flat): plug a forecast in here. */
  trafficProfile?: (campaign: Campaign) => TrafficProfile;
  /** New reservation ids; defaults to random UUIDs. */
  newReservationId?: () => string;
  log?: Logger;
}

export interface RecordOutcomeResult {
  /** This call recorded the event (false for a replayed idempotency key). */
  accepted: boolean;
  duplicate: boolean;
  settledMicros: number;
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
function unavailable(err: unknown): RpcError {
  return new RpcError(grpc.status.UNAVAILABLE, `objective state unavailable: ${messageOf(err)}`);
}

export class ObjectiveAgent {
  readonly modelVersion = OBJECTIVE_MODEL_VERSION;
  private readonly clock: () => number;
  private readonly profileOf: (campaign: Campaign) => TrafficProfile;
  private readonly newReservationId: () => string;
  private sweeper: NodeJS.Timeout | null = null;

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
      const loaded = await Promise.all(ids.map((id) => this.facts(catalogue, id, input.sessionId, now)));
      facts = new Map(ids.map((id, i) => [id, loaded[i]!]));
    } catch (err) {
      throw unavailable(err);
    }
    return {
      values: input.candidates.map((c) => this.value(c, facts.get(c.campaignId)!, now)),
      modelVersion: this.modelVersion,
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

  /** Records an outcome once per idempotency key; an impression settles its reservation. */
  async recordOutcome(e: OutcomeEventInput): Promise<RecordOutcomeResult> {
    const now = this.clock();
    const campaignId = this.options.catalogue.current().creatives.get(e.creativeId)?.campaignId ?? '';
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

  stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private async facts(
    catalogue: Catalogue,
    campaignId: string,
    sessionId: string,
    now: number,
  ): Promise<CampaignFacts> {
    const campaign = catalogue.campaigns.get(campaignId);
    const cap = campaign?.frequencyCap;
    const [spend, sessionImpressions, counters] = await Promise.all([
      this.options.ledger.spend(campaignId, now),
      cap && cap.maxImpressions > 0
        ? this.options.ledger.sessionImpressions(campaignId, sessionId, cap.windowMs, now)
        : Promise.resolve(0),
      this.options.outcomes.counters(campaignId),
    ]);
    return { campaign, spend, sessionImpressions, counters };
  }

  private value(c: Candidate, f: CampaignFacts, now: number): CandidateValue {
    const campaign = f.campaign;
    const pacing = campaign
      ? pace({
          mode: campaign.pacing,
          nowMs: now,
          totalBudgetMicros: campaign.totalBudgetMicros,
          dailyBudgetMicros: campaign.dailyBudgetMicros,
          flightStartMs: campaign.flightStartMs,
          flightEndMs: campaign.flightEndMs,
          lifetimeSpendMicros: f.spend.lifetimeSpentMicros + f.spend.lifetimeReservedMicros,
          todaySpendMicros: f.spend.todaySpentMicros + f.spend.todayReservedMicros,
          profile: this.profileOf(campaign),
        })
      : null;
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
    return {
      creativeId: c.creativeId,
      eligible: true,
      reason: null,
      detail: '',
      advertiserValue: advertiserValue({
        goal,
        pComplete: c.pComplete,
        pEngage: c.pEngage,
        counters: f.counters,
        kpi: campaign.kpi,
        pacingMultiplier: multiplier,
      }),
      pacingMultiplier: multiplier,
      goal,
    };
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
