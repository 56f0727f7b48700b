/**
 * The budget ledger port: reservations of spend that are checked against the
 * lifetime budget, the daily (UTC) budget and the session's frequency cap in
 * one atomic step, then settled (reserved → spent, once) by an impression or
 * released (reserved → free) when the ad did not play or the reservation
 * expired. A reservation that expired or was released leaves a tombstone for
 * the late-impression window: an impression that comes after its reservation
 * expired is charged from it when the campaign's budgets still have room (the
 * ad did play), and refused otherwise; one for a released reservation (the ad
 * was never served) is refused. Money is integer micros. Two adapters: this
 * embedded one and Redis (redis-state.ts); one contract suite covers both.
 */
import type { Charge, ChargeRefusal } from '../common/domain/outcomes';
import { utcDay } from './pacing';

export type { Charge, ChargeRefusal } from '../common/domain/outcomes';

export interface BudgetLimits {
  /** 0 = unlimited. */
  totalBudgetMicros: number;
  /** 0 = no daily cap. */
  dailyBudgetMicros: number;
  /** At most maxImpressions per session in any windowMs; maxImpressions 0 = uncapped. */
  frequencyCap: { maxImpressions: number; windowMs: number };
}

export interface ReserveInput {
  reservationId: string;
  campaignId: string;
  sessionId: string;
  amountMicros: number;
  limits: BudgetLimits;
  nowMs: number;
  /** The decision the reservation is for: releaseRequest finds it by this id ('' or absent = none). */
  requestId?: string;
}

/** One reservation of a ReserveBatch. */
export interface BatchReservation {
  reservationId: string;
  campaignId: string;
  amountMicros: number;
  limits: BudgetLimits;
}

/** The reservations of one commit: one session, one decision, one moment. */
export interface ReserveBatch {
  /** The decision they are for: releaseRequest finds them by this id ('' = none). */
  requestId: string;
  sessionId: string;
  nowMs: number;
  reservations: readonly BatchReservation[];
}

/** Why a reservation was refused; `abandoned`: its whole request was released before (releaseRequest). */
export type ReserveRefusal = 'lifetime_budget' | 'daily_budget' | 'frequency_cap' | 'duplicate' | 'abandoned';

export type ReserveResult = { reserved: true } | { reserved: false; reason: ReserveRefusal };

/** Spend of one campaign; "today" is the current UTC day. */
export interface SpendState {
  lifetimeSpentMicros: number;
  lifetimeReservedMicros: number;
  todaySpentMicros: number;
  todayReservedMicros: number;
}

export interface BudgetLedger {
  /** Atomically checks budgets and the frequency cap, then holds the amount. */
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /**
   * reserve for each of a commit's reservations, in order, in one atomic
   * step (one round trip for a remote store); each succeeds or fails on its
   * own, exactly as one reserve call each would.
   */
  reserveMany(batch: ReserveBatch): Promise<ReserveResult[]>;
  /**
   * An impression's charge, once. An open reservation: reserved → spent.
   * An expired one with a tombstone (late): its amount → spent when the
   * campaign's lifetime and daily budgets (the limits of its latest
   * reservation) still have room, else refused and nothing moves; the
   * frequency slot it gave back at expiry is not taken again (the cap is
   * enforced when ads are chosen). Refused: a released reservation, and one
   * with neither a reservation nor a tombstone (never made, already charged,
   * or expired more than lateImpressionMs ago). Money moves at most once.
   */
  settle(reservationId: string, nowMs?: number): Promise<Charge>;
  /**
   * Reserved → free (and its frequency slot), leaving a `released`
   * tombstone. False when already settled, released or unknown.
   */
  release(reservationId: string, nowMs?: number): Promise<boolean>;
  /**
   * Releases the open reservations of a request (those among
   * `reservationIds` when given and not empty, else all of them) in one
   * atomic step; returns the ids released. A reservation already settled or
   * released, or of another request, is left alone. Releasing all of a
   * request also abandons it for the reservation TTL: a commit of it that
   * arrives later (the broker gave up before the commit got through) is
   * refused with `abandoned`, so no money is held for an answer never served.
   * Each reservation released leaves a `released` tombstone.
   */
  releaseRequest(requestId: string, reservationIds?: readonly string[], nowMs?: number): Promise<string[]>;
  /**
   * Releases every reservation whose expiry is at or before nowMs, each
   * leaving an `expired` tombstone (see settle); returns their ids.
   */
  releaseExpired(nowMs: number): Promise<string[]>;
  spend(campaignId: string, nowMs: number): Promise<SpendState>;
  /** spend of several campaigns in one call (one round trip for a remote store); in the order asked. */
  spendMany?(campaignIds: readonly string[], nowMs: number): Promise<SpendState[]>;
  /** Impressions reserved or served for the session within the window ending at nowMs. */
  sessionImpressions(campaignId: string, sessionId: string, windowMs: number, nowMs: number): Promise<number>;
  /**
   * sessionImpressions of several campaigns in one call (one round trip for
   * an adapter with a remote store); the counts in the order asked. Optional:
   * callers fall back on sessionImpressions per campaign.
   */
  sessionImpressionsMany?(
    caps: ReadonlyArray<{ campaignId: string; windowMs: number }>,
    sessionId: string,
    nowMs: number,
  ): Promise<number[]>;
  close(): Promise<void>;
}

export interface LedgerOptions {
  /** A reservation not settled within this time is released by releaseExpired. */
  reservationTtlMs: number;
  /**
   * How long the tombstone of an expired or released reservation is kept, so
   * that a late impression of it is charged or refused for what it is
   * (default LATE_IMPRESSION_MS; 0 = none kept: every late impression is
   * refused as unknown).
   */
  lateImpressionMs?: number;
}

/** The default late-impression window: a day (PARLEY_LATE_IMPRESSION_MS). */
export const LATE_IMPRESSION_MS = 86_400_000;
/** The most tombstones the embedded ledger keeps; past it the oldest go first (then refused as unknown). */
export const MAX_TOMBSTONES = 1_000_000;

const refused = (refusal: ChargeRefusal): Charge => ({ micros: 0, late: false, refusal });

interface Held {
  campaignId: string;
  /** The session's frequency hits of the campaign this reservation holds a slot in (capped campaigns). */
  hits: Map<string, number> | null;
  requestId: string;
  amount: number;
  day: number;
  expiresAt: number;
}

interface Books {
  spent: number;
  reserved: number;
}

/** What an expired or released reservation held, kept for the late-impression window. */
interface Tombstone {
  released: boolean;
  campaignId: string;
  requestId: string;
  amount: number;
  day: number;
  until: number;
}

/** A session's reservations of one capped campaign: reservation id → reserved at, and until when any can count. */
interface Frequency {
  until: number;
  hits: Map<string, number>;
}

const NO_SPEND: SpendState = Object.freeze({
  lifetimeSpentMicros: 0,
  lifetimeReservedMicros: 0,
  todaySpentMicros: 0,
  todayReservedMicros: 0,
});

/** In-process ledger for a single replica. Every method body is synchronous, hence atomic. */
export class EmbeddedLedger implements BudgetLedger {
  private readonly lifetime = new Map<string, Books>();
  /** campaign id → UTC day → books. */
  private readonly daily = new Map<string, Map<number, Books>>();
  private readonly held = new Map<string, Held>();
  /** request id → its open reservations. */
  private readonly requests = new Map<string, Set<string>>();
  /** request id → until when its commits are refused (released as a whole). */
  private readonly abandoned = new Map<string, number>();
  /** session id → campaign id → frequency hits (nested, so a lookup builds no key). */
  private readonly frequency = new Map<string, Map<string, Frequency>>();
  /** reservation id → tombstone; insertion order is expiry order (time only moves forward). */
  private readonly tombstones = new Map<string, Tombstone>();
  /** campaign id → the limits of its latest reservation: what a late impression is charged against. */
  private readonly budgets = new Map<string, BudgetLimits>();
  private readonly lateImpressionMs: number;

  constructor(private readonly options: LedgerOptions) {
    this.lateImpressionMs = options.lateImpressionMs ?? LATE_IMPRESSION_MS;
  }

  async reserve(input: ReserveInput): Promise<ReserveResult> {
    return this.reserveNow(input, input.sessionId, input.requestId ?? '', input.nowMs);
  }

  async reserveMany(batch: ReserveBatch): Promise<ReserveResult[]> {
    const out: ReserveResult[] = [];
    if (this.isAbandoned(batch.requestId, batch.nowMs))
      return batch.reservations.map(() => ({ reserved: false, reason: 'abandoned' }));
    for (const r of batch.reservations)
      out.push(this.reserveNow(r, batch.sessionId, batch.requestId, batch.nowMs));
    return out;
  }

  private isAbandoned(requestId: string, nowMs: number): boolean {
    return requestId !== '' && (this.abandoned.get(requestId) ?? Number.NEGATIVE_INFINITY) > nowMs;
  }

  private reserveNow(
    r: BatchReservation,
    sessionId: string,
    requestId: string,
    nowMs: number,
  ): ReserveResult {
    if (this.isAbandoned(requestId, nowMs)) return { reserved: false, reason: 'abandoned' };
    const { limits, amountMicros: amount } = r;
    if (this.held.has(r.reservationId)) return { reserved: false, reason: 'duplicate' };
    this.budgets.set(r.campaignId, limits);
    const life = this.books(this.lifetime, r.campaignId);
    if (limits.totalBudgetMicros > 0 && life.spent + life.reserved + amount > limits.totalBudgetMicros) {
      return { reserved: false, reason: 'lifetime_budget' };
    }
    const day = utcDay(nowMs);
    const today = this.dayBooks(r.campaignId, day);
    if (limits.dailyBudgetMicros > 0 && today.spent + today.reserved + amount > limits.dailyBudgetMicros) {
      return { reserved: false, reason: 'daily_budget' };
    }
    const cap = limits.frequencyCap;
    let hits: Map<string, number> | null = null;
    if (cap.maxImpressions > 0) {
      const f = this.frequencyOf(sessionId, r.campaignId);
      if (countWindow(f, cap.windowMs, nowMs) >= cap.maxImpressions) {
        return { reserved: false, reason: 'frequency_cap' };
      }
      f.hits.set(r.reservationId, nowMs);
      f.until = Math.max(f.until, nowMs + cap.windowMs);
      hits = f.hits;
    }
    life.reserved += amount;
    today.reserved += amount;
    this.held.set(r.reservationId, {
      campaignId: r.campaignId,
      hits,
      requestId,
      amount,
      day,
      expiresAt: nowMs + this.options.reservationTtlMs,
    });
    if (requestId) {
      let open = this.requests.get(requestId);
      if (!open) {
        open = new Set();
        this.requests.set(requestId, open);
      }
      open.add(r.reservationId);
    }
    return { reserved: true };
  }

  async settle(reservationId: string, nowMs = Date.now()): Promise<Charge> {
    return this.settleNow(reservationId, nowMs);
  }

  /** Synchronous settle, so the embedded outcome log can settle and append in one step. */
  settleNow(reservationId: string, nowMs: number): Charge {
    const h = this.forget(reservationId);
    if (h) {
      this.move(h, true);
      return { micros: h.amount, late: false, refusal: null };
    }
    const t = this.tombstones.get(reservationId);
    if (!t || t.until <= nowMs) return refused('unknown');
    if (t.released) return refused('released');
    const budgets = this.budgets.get(t.campaignId);
    if (!budgets) return refused('unknown');
    const life = this.books(this.lifetime, t.campaignId);
    // The day's books, while they are kept (releaseExpired drops old days).
    const day = this.daily.get(t.campaignId)?.get(t.day);
    if (budgets.totalBudgetMicros > 0 && life.spent + life.reserved + t.amount > budgets.totalBudgetMicros)
      return refused('lifetime_budget');
    if (
      day &&
      budgets.dailyBudgetMicros > 0 &&
      day.spent + day.reserved + t.amount > budgets.dailyBudgetMicros
    )
      return refused('daily_budget');
    this.tombstones.delete(reservationId);
    life.spent += t.amount;
    if (day) day.spent += t.amount;
    return { micros: t.amount, late: true, refusal: null };
  }

  async release(reservationId: string, nowMs = Date.now()): Promise<boolean> {
    return this.releaseNow(reservationId, nowMs, true);
  }

  async releaseRequest(
    requestId: string,
    reservationIds?: readonly string[],
    nowMs = Date.now(),
  ): Promise<string[]> {
    const all = !reservationIds || reservationIds.length === 0;
    if (all && requestId) this.abandoned.set(requestId, nowMs + this.options.reservationTtlMs);
    const open = this.requests.get(requestId);
    if (!open) return [];
    const ids =
      reservationIds && reservationIds.length > 0 ? reservationIds.filter((id) => open.has(id)) : [...open];
    return ids.filter((id) => this.releaseNow(id, nowMs, true));
  }

  /** Frees an open reservation and leaves its tombstone (`released`: given back, not expired). */
  private releaseNow(reservationId: string, nowMs: number, released: boolean): boolean {
    const h = this.forget(reservationId);
    if (!h) return false;
    this.move(h, false);
    h.hits?.delete(reservationId);
    if (this.lateImpressionMs > 0) {
      if (this.tombstones.size >= MAX_TOMBSTONES) {
        const oldest = this.tombstones.keys().next().value;
        if (oldest !== undefined) this.tombstones.delete(oldest);
      }
      this.tombstones.delete(reservationId); // a reused id goes to the back, in expiry order
      this.tombstones.set(reservationId, {
        released,
        campaignId: h.campaignId,
        requestId: h.requestId,
        amount: h.amount,
        day: h.day,
        until: nowMs + this.lateImpressionMs,
      });
    }
    return true;
  }

  /** Forgets an open reservation (and its request's note of it); null when there is none. */
  private forget(reservationId: string): Held | null {
    const h = this.held.get(reservationId);
    if (!h) return null;
    this.held.delete(reservationId);
    if (h.requestId) {
      const open = this.requests.get(h.requestId);
      open?.delete(reservationId);
      if (open?.size === 0) this.requests.delete(h.requestId);
    }
    return h;
  }

  async releaseExpired(nowMs: number): Promise<string[]> {
    const expired: string[] = [];
    for (const [id, h] of this.held) if (h.expiresAt <= nowMs) expired.push(id);
    for (const id of expired) this.releaseNow(id, nowMs, false);
    for (const [request, until] of this.abandoned) if (until <= nowMs) this.abandoned.delete(request);
    for (const [id, t] of this.tombstones) {
      if (t.until > nowMs) break;
      this.tombstones.delete(id);
    }
    for (const [session, campaigns] of this.frequency) {
      for (const [campaign, f] of campaigns) if (f.until <= nowMs) campaigns.delete(campaign);
      if (campaigns.size === 0) this.frequency.delete(session);
    }
    const today = utcDay(nowMs);
    for (const days of this.daily.values()) for (const d of days.keys()) if (d < today - 2) days.delete(d);
    return expired;
  }

  async spend(campaignId: string, nowMs: number): Promise<SpendState> {
    return this.spendNow(campaignId, utcDay(nowMs));
  }

  async spendMany(campaignIds: readonly string[], nowMs: number): Promise<SpendState[]> {
    const day = utcDay(nowMs);
    return campaignIds.map((id) => this.spendNow(id, day));
  }

  private spendNow(campaignId: string, day: number): SpendState {
    const life = this.lifetime.get(campaignId);
    if (!life) return NO_SPEND;
    const today = this.daily.get(campaignId)?.get(day);
    return {
      lifetimeSpentMicros: life.spent,
      lifetimeReservedMicros: life.reserved,
      todaySpentMicros: today?.spent ?? 0,
      todayReservedMicros: today?.reserved ?? 0,
    };
  }

  async sessionImpressions(
    campaignId: string,
    sessionId: string,
    windowMs: number,
    nowMs: number,
  ): Promise<number> {
    const f = this.frequency.get(sessionId)?.get(campaignId);
    return f ? countWindow(f, windowMs, nowMs) : 0;
  }

  async sessionImpressionsMany(
    caps: ReadonlyArray<{ campaignId: string; windowMs: number }>,
    sessionId: string,
    nowMs: number,
  ): Promise<number[]> {
    const campaigns = this.frequency.get(sessionId);
    return caps.map((c) => {
      const f = campaigns?.get(c.campaignId);
      return f ? countWindow(f, c.windowMs, nowMs) : 0;
    });
  }

  async close(): Promise<void> {}

  private frequencyOf(sessionId: string, campaignId: string): Frequency {
    let campaigns = this.frequency.get(sessionId);
    if (!campaigns) {
      campaigns = new Map();
      this.frequency.set(sessionId, campaigns);
    }
    let f = campaigns.get(campaignId);
    if (!f) {
      f = { until: 0, hits: new Map() };
      campaigns.set(campaignId, f);
    }
    return f;
  }

  private move(h: Held, toSpent: boolean): void {
    const books = [this.books(this.lifetime, h.campaignId), this.daily.get(h.campaignId)?.get(h.day)];
    for (const b of books) {
      if (!b) continue;
      b.reserved -= h.amount;
      if (toSpent) b.spent += h.amount;
    }
  }

  private books<K>(m: Map<K, Books>, key: K): Books {
    let b = m.get(key);
    if (!b) {
      b = { spent: 0, reserved: 0 };
      m.set(key, b);
    }
    return b;
  }

  private dayBooks(campaignId: string, day: number): Books {
    let days = this.daily.get(campaignId);
    if (!days) {
      days = new Map();
      this.daily.set(campaignId, days);
    }
    return this.books(days, day);
  }
}

/** Hits within the window ending at nowMs; forgets those out of it for good. */
function countWindow(f: Frequency, windowMs: number, nowMs: number): number {
  let n = 0;
  for (const [id, at] of f.hits) {
    if (at > nowMs - windowMs) n++;
    else f.hits.delete(id);
  }
  return n;
}
