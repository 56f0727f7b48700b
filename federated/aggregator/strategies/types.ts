/**
 * A Flower-like aggregation strategy. Parameters of a model are one flat
 * Float32Array; a client's `update` is the DELTA it proposes (its locally
 * trained weights minus the global weights it started from), so every
 * strategy returns `current + aggregate(deltas)` and DP clipping and secure
 * aggregation operate on the same quantity.
 */
export interface ClientResult {
  clientId: string;
  /** Local weights − global weights (same length as the model). */
  update: Float32Array;
  /** Number of local training examples behind this update (> 0). */
  numExamples: number;
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
  /** Poisson sampling rate q of `selects`: what a DP accountant charges per round. */
  readonly samplingRate: number;
  /** Whether a client checking in for `round` trains in it (asked at every join; the same answer every time). */
  selects(round: number, clientId: string): boolean;
  /** Settings this strategy needs in every client's training plan (e.g. FedProx's proximal term). */
  readonly clientPlan?: { readonly proximalMu?: number };
  /** Central DP this strategy applies: the clip norm of the next round, and of the last one aggregated. */
  readonly privacy?: { readonly clipNorm: number; readonly lastClipNorm: number | undefined };
  /**
   * Combines client updates into new global weights. Invalid updates are
   * rejected with a reason (never thrown); if none is valid the weights are
   * returned unchanged (a copy). Throws a RangeError only when the strategy
   * cannot run at all (e.g. Multi-Krum with too few updates for its f).
   */
  aggregate(round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome;
}

export interface SelectionOptions {
  /** Poisson sampling rate q: a client checking in trains in a round with this probability (default 1). */
  fraction?: number;
  /** Seeds the selection draw (default 1). */
  seed?: number;
}
