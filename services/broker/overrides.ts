/**
 * Overrides as the broker applies them: hard constraints on every decision.
 *
 *   pause         the campaign's ads are removed everywhere          REASON_OVERRIDE_PAUSED
 *   block         a creative / advertiser / category is removed       REASON_OVERRIDE_BLOCKED
 *                 (in the listed scenarios, or everywhere)
 *   brand_safety  the category is removed when the content is not     REASON_BRAND_SAFETY
 *                 explicit (unlessExplicit) or in the listed scenarios
 *                 (everywhere when neither is set)
 *   pin           the campaign's eligible ads rank above every other  REASON_OVERRIDE_PINNED (for the losers)
 *   boost         the campaign's joint utility gets +boost
 *   separation    at most one ad of the listed categories per pod     REASON_COMPETITIVE_SEPARATION
 *
 * Budgets, caps, targeting and the price floor still hold: a pin or a boost
 * never makes an ineligible ad eligible. Expired overrides are ignored.
 *
 * Where the broker gets them (OverrideSource): with Redis, from the shared
 * store directly (pub/sub, so a change reaches every replica in
 * milliseconds); in embedded mode, by watching the admin service's
 * WatchOverrides stream (admin-client.ts). Either way the broker keeps the last set it saw
 * while its source is away.
 */
import { isActive, type Override } from '../common/domain/overrides';
import type { Candidate, ReasonCode, Scenario } from '../common/domain/types';
import { messageOf } from '../common/grpc/errors';
import type { Logger } from '../common/log';
import type { OverrideStore } from '../common/state/overrides';

export interface AppliedOverride {
  overrideId: string;
  kind: Override['kind'];
  creativeId: string;
  /** For a person, e.g. "removed: advertiser adv-1 is blocked in workout". */
  effect: string;
}

export interface OverrideContext {
  scenario: Scenario;
  /** The content playing is explicit. */
  explicit: boolean;
  nowMs: number;
}

export interface Screened {
  reason: ReasonCode;
  detail: string;
  applied: AppliedOverride;
}

export interface Adjustment {
  boost: number;
  pinned: boolean;
  /** Extra competitive-separation keys. */
  separation: string[];
  applied: AppliedOverride[];
}

const NO_ADJUSTMENT: Adjustment = Object.freeze({ boost: 0, pinned: false, separation: [], applied: [] });

function inScenario(o: Override, scenario: Scenario): boolean {
  return o.scenarios.length === 0 || o.scenarios.includes(scenario);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** An immutable, indexed override set: what one decision is checked against. */
export class ActiveOverrides {
  static readonly EMPTY = new ActiveOverrides([], 0);

  private readonly paused = new Map<string, Override[]>();
  private readonly blockedCreatives = new Map<string, Override[]>();
  private readonly blockedAdvertisers = new Map<string, Override[]>();
  private readonly blockedCategories = new Map<string, Override[]>();
  private readonly brandSafety = new Map<string, Override[]>();
  private readonly byCampaign = new Map<string, Override[]>();
  private readonly separation: Override[] = [];

  constructor(
    readonly overrides: readonly Override[],
    readonly version: number,
  ) {
    for (const o of overrides) {
      if (o.kind === 'pause') push(this.paused, o.targetId, o);
      else if (o.kind === 'block') {
        if (o.targetType === 'creative') push(this.blockedCreatives, o.targetId, o);
        else if (o.targetType === 'advertiser') push(this.blockedAdvertisers, o.targetId, o);
        else push(this.blockedCategories, o.targetId.toLowerCase(), o);
      } else if (o.kind === 'brand_safety') push(this.brandSafety, o.targetId.toLowerCase(), o);
      else if (o.kind === 'pin' || o.kind === 'boost') push(this.byCampaign, o.targetId, o);
      else if (o.kind === 'separation') this.separation.push(o);
    }
  }

  get size(): number {
    return this.overrides.length;
  }

  /** Why `c` may not run here, or null. */
  screen(c: Candidate, ctx: OverrideContext): Screened | null {
    if (this.overrides.length === 0) return null;
    const hit = (o: Override, reason: ReasonCode, what: string): Screened => {
      const detail = `${what} (override ${o.id} by ${o.author}: ${o.reason})`;
      return {
        reason,
        detail,
        applied: { overrideId: o.id, kind: o.kind, creativeId: c.creativeId, effect: `removed: ${what}` },
      };
    };
    const first = (list: Override[] | undefined, applies: (o: Override) => boolean) =>
      list?.find((o) => isActive(o, ctx.nowMs) && applies(o));

    const pause = first(this.paused.get(c.campaignId), () => true);
    if (pause) return hit(pause, 'REASON_OVERRIDE_PAUSED', `campaign ${c.campaignId} is paused`);
    const where = ctx.scenario === 'unknown' ? '' : ` in ${ctx.scenario}`;
    const here = (o: Override) => inScenario(o, ctx.scenario);
    const byCreative = first(this.blockedCreatives.get(c.creativeId), here);
    if (byCreative)
      return hit(byCreative, 'REASON_OVERRIDE_BLOCKED', `creative ${c.creativeId} is blocked${where}`);
    const byAdvertiser = first(this.blockedAdvertisers.get(c.advertiserId), here);
    if (byAdvertiser)
      return hit(byAdvertiser, 'REASON_OVERRIDE_BLOCKED', `advertiser ${c.advertiserId} is blocked${where}`);
    const category = c.category.toLowerCase();
    const byCategory = first(this.blockedCategories.get(category), here);
    if (byCategory)
      return hit(byCategory, 'REASON_OVERRIDE_BLOCKED', `category ${category} is blocked${where}`);
    const safety = first(this.brandSafety.get(category), (o) => {
      const explicitRule = o.unlessExplicit && !ctx.explicit;
      const scenarioRule = o.scenarios.includes(ctx.scenario);
      return explicitRule || scenarioRule || (!o.unlessExplicit && o.scenarios.length === 0);
    });
    if (safety) {
      const why = safety.unlessExplicit && !ctx.explicit ? 'next to non-explicit content' : `here${where}`;
      return hit(safety, 'REASON_BRAND_SAFETY', `no ${category} ads ${why}`);
    }
    return null;
  }

  /** Pins, boosts and separation keys that apply to an eligible `c`. */
  adjust(c: Candidate, ctx: OverrideContext): Adjustment {
    if (this.overrides.length === 0) return NO_ADJUSTMENT;
    let boost = 0;
    let pinned = false;
    const separation: string[] = [];
    const applied: AppliedOverride[] = [];
    for (const o of this.byCampaign.get(c.campaignId) ?? []) {
      if (!isActive(o, ctx.nowMs) || !inScenario(o, ctx.scenario)) continue;
      if (o.kind === 'pin') {
        pinned = true;
        applied.push({
          overrideId: o.id,
          kind: o.kind,
          creativeId: c.creativeId,
          effect: `pinned: campaign ${c.campaignId} ranks first`,
        });
      } else {
        boost += o.boost;
        applied.push({
          overrideId: o.id,
          kind: o.kind,
          creativeId: c.creativeId,
          effect: `boosted: utility +${o.boost}`,
        });
      }
    }
    const category = c.category.toLowerCase();
    for (const o of this.separation) {
      if (!isActive(o, ctx.nowMs) || !inScenario(o, ctx.scenario) || !o.categories.includes(category))
        continue;
      separation.push(`override:${o.id}`);
    }
    if (!pinned && boost === 0 && separation.length === 0) return NO_ADJUSTMENT;
    return { boost, pinned, separation, applied };
  }
}

// ---------------------------------------------------------------------------
// sources

export interface OverrideSource {
  current(): ActiveOverrides;
  /** Settles once the first set arrived or the first attempt failed. */
  readonly ready: Promise<void>;
  close(): void;
}

/** A fixed set (tests, or a broker with no admin). */
export function staticOverrides(overrides: Override[] = [], version = 0): OverrideSource {
  const set = new ActiveOverrides(overrides, version);
  return { current: () => set, ready: Promise.resolve(), close: () => undefined };
}

/** Reads the shared store (Redis) and reloads on every change it announces. */
export function storeOverrideSource(store: OverrideStore, log: Logger): OverrideSource {
  let current = ActiveOverrides.EMPTY;
  let loading = false;
  let again = false;
  let closed = false;
  const load = async (): Promise<void> => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const snap = await store.snapshot();
        if (snap.version >= current.version) current = new ActiveOverrides(snap.overrides, snap.version);
      } while (again && !closed);
    } catch (err) {
      log.warn('could not load overrides; keeping the last set', { error: messageOf(err) });
    } finally {
      loading = false;
    }
  };
  const ready = load();
  const unsubscribe = store.subscribe(() => void load());
  return {
    current: () => current,
    ready,
    close() {
      closed = true;
      unsubscribe();
    },
  };
}
