/**
 * What a negotiation is given: the request, the agents by role, the
 * fallbacks, the settings and the people's overrides.
 */
import type { Span } from '@opentelemetry/api';
import type { Config } from '../../common/config';
import type { Signals, Slot } from '../../common/domain/types';
import type { Logger } from '../../common/log';
import type { ExplorationSettings } from '../explore';
import type { FallbackCache, StaticRanking } from '../fallbacks';
import type { ActiveOverrides } from '../overrides';
import type { NegotiationAgents } from '../ports';
import type { UtilitySettings } from '../utility';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface NegotiationSettings extends UtilitySettings {
  maxRounds: number;
  shortlistSize: number;
  /** How the lead ad is drawn (explore.ts); absent = always the best. */
  exploration?: ExplorationSettings;
  /**
   * Ad load: an ad whose joint utility is below this is not served (a pin
   * still is); absent = every eligible ad may fill the pod.
   */
  minUtility?: number;
}

/**
 * The negotiation settings in `config` without exploration or an ad-load
 * floor: how the broker ranks, and how the simulator evaluates a policy.
 */
export function rankingSettings(config: Config): NegotiationSettings {
  return {
    weights: config.weights,
    revenueScaleMicros: config.revenueScaleMicros,
    priceFloorMicros: config.priceFloorMicros,
    maxRounds: config.maxRounds,
    shortlistSize: config.shortlistSize,
  };
}

/** Everything the broker decides with, as configured. */
export function brokerSettings(config: Config): NegotiationSettings {
  return {
    ...rankingSettings(config),
    exploration: config.exploration,
    ...(config.minUtility === null ? {} : { minUtility: config.minUtility }),
  };
}

export interface NegotiationDeps {
  agents: NegotiationAgents;
  fallbacks: FallbackCache;
  /** House ads to fall back on when no proposer answers and nothing is cached. */
  staticRanking?: StaticRanking;
  settings: NegotiationSettings;
  /** People's overrides (admin service): hard constraints on this decision. */
  overrides?: ActiveOverrides;
  clock?: Clock;
  log?: Logger;
  /**
   * Asked once, just before the commit: false = this decision must reserve
   * nothing (another call with the same request id holds it; the broker
   * answers with that call's answer). Absent = always commit.
   */
  mayCommit?: () => Promise<boolean>;
}

export interface DecisionRequest {
  requestId: string;
  slot: Slot;
  signals: Signals;
  excludedAdvertisers: string[];
  excludedCategories: string[];
  /** Absolute time (epoch ms, on the deps' clock) by which the answer is due. */
  deadline: number;
  /** The decision's span when it is sampled; null (or absent) otherwise. */
  span?: Span | null;
  /** A preview: the pod is assembled but the committer reserves nothing. */
  dryRun?: boolean;
}
