/**
 * Brand lift in the objective agent: the survey waves operators report
 * (ReportBrandLift, `parley brand-lift`), the port that keeps them, and the
 * valuer built from them (learning/brand-lift.ts LiftValuer), whose
 * multiplier scales an awareness campaign's advertiser value.
 *
 * A wave is kept once per (campaign, wave id): reported again with the same
 * figures it is a duplicate (no effect), with other figures it replaces the
 * earlier one (a vendor's correction; still counted once). Every change bumps
 * a version, so replicas reload the waves only when something changed. The
 * valuer is rebuilt from the whole set in a fixed order (campaign, wave id):
 * replicas holding the same waves compute the same multipliers, and a
 * restart with a durable store gets them back. Two adapters: the embedded one
 * here and Redis (brand-lift-redis.ts). Domain code: no transport.
 */
import { LiftValuer } from '../../learning/brand-lift';
import type { LiftRecordStatus, LiftWave } from '../common/domain/brand-lift';
import type { Goal } from '../common/domain/types';

export type { LiftRecordStatus, LiftWave };

export interface BrandLiftStore {
  /**
   * Keeps each wave (in order; a wave repeated within the call is a duplicate
   * or a replacement the second time), atomically per call, and bumps the
   * version once when anything changed.
   */
  record(waves: readonly LiftWave[]): Promise<LiftRecordStatus[]>;
  /** Every wave kept and the version they are at. */
  snapshot(): Promise<{ version: number; waves: LiftWave[] }>;
  /** The version: 0 before any wave, one more for each call that changed something. */
  version(): Promise<number>;
  close(): Promise<void>;
}

/** The key of a wave in a store. Ids have no newline (services/common/wire/validate.ts). */
export function waveKey(w: Pick<LiftWave, 'campaignId' | 'waveId'>): string {
  return `${w.campaignId}\n${w.waveId}`;
}

/** A wave's figures in a fixed field order: equal waves encode equally. */
export function encodeWave(w: LiftWave): string {
  return JSON.stringify([
    w.campaignId,
    w.waveId,
    w.exposedN,
    w.exposedRate,
    w.controlN,
    w.controlRate,
    w.impressions,
    w.reach,
    w.fieldedAtMs,
    w.publishedAtMs,
  ]);
}

export function decodeWave(s: string): LiftWave {
  const [
    campaignId,
    waveId,
    exposedN,
    exposedRate,
    controlN,
    controlRate,
    impressions,
    reach,
    fieldedAtMs,
    publishedAtMs,
  ] = JSON.parse(s) as [string, string, ...number[]];
  return {
    campaignId,
    waveId,
    exposedN: exposedN!,
    exposedRate: exposedRate!,
    controlN: controlN!,
    controlRate: controlRate!,
    impressions: impressions!,
    reach: reach!,
    fieldedAtMs: fieldedAtMs!,
    publishedAtMs: publishedAtMs!,
  };
}

/** In-process waves: the default, one replica; gone with the process. */
export class EmbeddedBrandLiftStore implements BrandLiftStore {
  private readonly waves = new Map<string, string>();
  private v = 0;

  async record(waves: readonly LiftWave[]): Promise<LiftRecordStatus[]> {
    let changed = false;
    const out = waves.map((w): LiftRecordStatus => {
      const key = waveKey(w);
      const value = encodeWave(w);
      const before = this.waves.get(key);
      if (before === value) return 'duplicate';
      this.waves.set(key, value);
      changed = true;
      return before === undefined ? 'recorded' : 'replaced';
    });
    if (changed) this.v++;
    return out;
  }

  async snapshot(): Promise<{ version: number; waves: LiftWave[] }> {
    return { version: this.v, waves: [...this.waves.values()].map(decodeWave) };
  }

  async version(): Promise<number> {
    return this.v;
  }

  async close(): Promise<void> {}
}

/** What the agent makes of one campaign's waves (ReportBrandLift's reply). */
export interface CampaignLift {
  campaignId: string;
  /** Its goal in the catalogue ('' when the catalogue no longer has it). */
  goal: Goal | '';
  waves: number;
  /** Its waves combined, unshrunk; 0 when none gave a reading (too few respondents). */
  liftPerImpression: number;
  /** The multiplier on its advertiser value (1 for goals other than awareness). */
  multiplier: number;
}

/** The valuer and a summary per campaign, from every wave kept. */
export interface LiftModel {
  valuer: LiftValuer;
  campaigns: Map<string, { waves: number }>;
}

/** A fresh valuer fed every wave in a fixed order (campaign, then wave id): the same set gives the same multipliers. */
export function liftModelOf(waves: readonly LiftWave[]): LiftModel {
  const sorted = [...waves].sort(
    (a, b) => compare(a.campaignId, b.campaignId) || compare(a.waveId, b.waveId),
  );
  const valuer = new LiftValuer();
  const campaigns = new Map<string, { waves: number }>();
  for (const w of sorted) {
    valuer.observe(w);
    const c = campaigns.get(w.campaignId) ?? { waves: 0 };
    c.waves++;
    campaigns.set(w.campaignId, c);
  }
  return { valuer, campaigns };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const NO_LIFT: LiftModel = Object.freeze({ valuer: new LiftValuer(), campaigns: new Map() });
