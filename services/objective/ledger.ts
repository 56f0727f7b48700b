/**
 * The budget ledger port: reservations of spend that are checked against the
 * lifetime budget, the daily (UTC) budget and the session's frequency cap in
 * one atomic step, then settled (reserved → spent, once) by an impression or
 * released (reserved → free) when the ad did not play or the reservation
 * expired. Money is integer micros. Two adapters: this embedded one and Redis
 * (redis-state.ts); one contract suite covers both.
 */
import { utcDay } from './pacing';

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
}

export type ReserveRefusal = 'lifetime_budget' | 'daily_budget' | 'frequency_cap' | 'duplicate';

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
  /** Reserved → spent. Returns the micros moved: the amount once, 0 after that or for an unknown id. */
  settle(reservationId: string): Promise<number>;
  /** Reserved → free (and its frequency slot). False when already settled, released or unknown. */
  release(reservationId: string): Promise<boolean>;
  /** Releases every reservation whose expiry is at or before nowMs; returns their ids. */
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
}

interface Held {
  campaignId: string;
  frequencyKey: string | null;
  amount: number;
  day: number;
  expiresAt: number;
}

interface Books {
  spent: number;
  reserved: number;
}

const freqKey = (campaignId: string, sessionId: string) => `${campaignId}|${sessionId}`;

/** In-process ledger for a single replica. Every method body is synchronous, hence atomic. */
export class EmbeddedLedger implements BudgetLedger {
  private readonly lifetime = new Map<string, Books>();
  /** campaign id → UTC day → books. */
  private readonly daily = new Map<string, Map<number, Books>>();
  private readonly held = new Map<string, Held>();
  /** campaign|session → reservation id → reserved at. */
  private readonly frequency = new Map<string, { until: number; hits: Map<string, number> }>();

  constructor(private readonly options: LedgerOptions) {}

  async reserve(input: ReserveInput): Promise<ReserveResult> {
    const { limits, amountMicros: amount, nowMs } = input;
    if (this.held.has(input.reservationId)) return { reserved: false, reason: 'duplicate' };
    const life = this.books(this.lifetime, input.campaignId);
    if (limits.totalBudgetMicros > 0 && life.spent + life.reserved + amount > limits.totalBudgetMicros) {
      return { reserved: false, reason: 'lifetime_budget' };
    }
    const day = utcDay(nowMs);
    const today = this.dayBooks(input.campaignId, day);
    if (limits.dailyBudgetMicros > 0 && today.spent + today.reserved + amount > limits.dailyBudgetMicros) {
      return { reserved: false, reason: 'daily_budget' };
    }
    const cap = limits.frequencyCap;
    let key: string | null = null;
    if (cap.maxImpressions > 0) {
      key = freqKey(input.campaignId, input.sessionId);
      if (this.countWindow(key, cap.windowMs, nowMs) >= cap.maxImpressions) {
        return { reserved: false, reason: 'frequency_cap' };
      }
      const f = this.frequency.get(key) ?? { until: 0, hits: new Map<string, number>() };
      f.hits.set(input.reservationId, nowMs);
      f.until = Math.max(f.until, nowMs + cap.windowMs);
      this.frequency.set(key, f);
    }
    life.reserved += amount;
    today.reserved += amount;
    this.held.set(input.reservationId, {
      campaignId: input.campaignId,
      frequencyKey: key,
      amount,
      day,
      expiresAt: nowMs + this.options.reservationTtlMs,
    });
    return { reserved: true };
  }

  async settle(reservationId: string): Promise<number> {
    return this.settleNow(reservationId);
  }

  /** Synchronous settle, so the embedded outcome log can settle and append in one step. */
  settleNow(reservationId: string): number {
    const h = this.held.get(reservationId);
    if (!h) return 0;
    this.held.delete(reservationId);
    this.move(h, true);
    return h.amount;
  }

  async release(reservationId: string): Promise<boolean> {
    return this.releaseNow(reservationId);
  }

  private releaseNow(reservationId: string): boolean {
    const h = this.held.get(reservationId);
    if (!h) return false;
    this.held.delete(reservationId);
    this.move(h, false);
    if (h.frequencyKey) this.frequency.get(h.frequencyKey)?.hits.delete(reservationId);
    return true;
  }

  async releaseExpired(nowMs: number): Promise<string[]> {
    const expired: string[] = [];
    for (const [id, h] of this.held) if (h.expiresAt <= nowMs) expired.push(id);
    for (const id of expired) this.releaseNow(id);
    for (const [key, f] of this.frequency) if (f.until <= nowMs) this.frequency.delete(key);
    const today = utcDay(nowMs);
    for (const days of this.daily.values()) for (const d of days.keys()) if (d < today - 2) days.delete(d);
    return expired;
  }

  async spend(campaignId: string, nowMs: number): Promise<SpendState> {
    const life = this.lifetime.get(campaignId);
    const today = this.daily.get(campaignId)?.get(utcDay(nowMs));
    return {
      lifetimeSpentMicros: life?.spent ?? 0,
      lifetimeReservedMicros: life?.reserved ?? 0,
      todaySpentMicros: today?.spent ?? 0,
      todayReservedMicros: today?.reserved ?? 0,
    };
  }

  async spendMany(campaignIds: readonly string[], nowMs: number): Promise<SpendState[]> {
    return Promise.all(campaignIds.map((id) => this.spend(id, nowMs)));
  }

  async sessionImpressions(
    campaignId: string,
    sessionId: string,
    windowMs: number,
    nowMs: number,
  ): Promise<number> {
    return this.countWindow(freqKey(campaignId, sessionId), windowMs, nowMs);
  }

  async sessionImpressionsMany(
    caps: ReadonlyArray<{ campaignId: string; windowMs: number }>,
    sessionId: string,
    nowMs: number,
  ): Promise<number[]> {
    return caps.map((c) => this.countWindow(freqKey(c.campaignId, sessionId), c.windowMs, nowMs));
  }

  async close(): Promise<void> {}

  private countWindow(key: string, windowMs: number, nowMs: number): number {
    const f = this.frequency.get(key);
    if (!f) return 0;
    let n = 0;
    for (const [id, at] of f.hits) {
      if (at > nowMs - windowMs) n++;
      else f.hits.delete(id); // out of the window for good
    }
    return n;
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
