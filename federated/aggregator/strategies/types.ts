/**
 * A Flower-like aggregation strategy. Parameters of a model are one flat
 * Float32Array; a client's `update` is the DELTA it proposes (its locally
 * trained weights minus the global weights it started from), so every
 * strategy returns `current + aggregate(deltas)` and DP clipping and secure
 * aggregation operate on the same quantity.
 */
import type { Rng } from '../../../services/common/rng';

export interface ClientResult {
  clientId: string;
  /** Local weights − global weights (same length as the model). */
  update: Float32Array;
  /** Number of local training examples behind this update (> 0). */
  numExamples: number;
}

export interface RoundPlan {
  /** Clients asked to train this round. */
  clientIds: string[];
  /** Config sent to every selected client (e.g. local epochs, round number). */
  config: Record<string, number | string | boolean>;
}

export interface Rejection {
  clientId: string;
  reason: string;
}

export interface AggregateOutcome {
  /** The new global weights. */
  weights: Float32Array;
  /** Client ids whose updates were used. */
  accepted: string[];
  /** Client ids whose updates were dropped, with the reason. */
  rejected: Rejection[];
}

export interface Strategy {
  readonly name: string;
  /** Picks the clients for a round and the config they train with. */
  configureRound(round: number, available: readonly string[], rng: Rng): RoundPlan;
  /**
   * Combines client updates into new global weights. Invalid updates are
   * rejected with a reason (never thrown); if none is valid the weights are
   * returned unchanged (a copy). Throws a RangeError only when the strategy
   * cannot run at all (e.g. Multi-Krum with too few updates for its f).
   */
  aggregate(round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome;
}

export interface SamplingOptions {
  /** Fraction of available clients to ask each round (default 1). */
  fraction?: number;
  /** Never ask fewer than this many (default 1; capped at the number available). */
  minClients?: number;
  /** Extra config forwarded to the clients. */
  config?: Record<string, number | string | boolean>;
}
