/**
 * Strategies chosen by config: a small tagged spec → a Strategy instance.
 *
 *   { name: 'fedavg' }
 *   { name: 'fedadam', eta: 0.05 }
 *   { name: 'median' }
 *   { name: 'trimmed-mean', beta: 0.2 }
 *   { name: 'multi-krum', byzantine: 2, select: 8 }
 *
 * Sampling is done by the Coordinator (Poisson selection at join time), so
 * the strategies' own configureRound is not used by the service.
 */
import { CoordinateMedian, FedAdam, FedAvg, MultiKrum, type Strategy, TrimmedMean } from './strategies';

export type StrategySpec =
  | { name: 'fedavg' }
  | { name: 'fedadam'; eta?: number; beta1?: number; beta2?: number; tau?: number }
  | { name: 'median' }
  | { name: 'trimmed-mean'; beta?: number }
  | { name: 'multi-krum'; byzantine: number; select?: number };

export const STRATEGY_NAMES = ['fedavg', 'fedadam', 'median', 'trimmed-mean', 'multi-krum'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Strategies that see individual updates and so cannot run behind secure aggregation or central DP. */
export const ROBUST_STRATEGIES: ReadonlySet<StrategyName> = new Set(['median', 'trimmed-mean', 'multi-krum']);

export function buildStrategy(spec: StrategySpec): Strategy {
  switch (spec.name) {
    case 'fedavg':
      return new FedAvg();
    case 'fedadam':
      return new FedAdam(spec);
    case 'median':
      return new CoordinateMedian();
    case 'trimmed-mean':
      return new TrimmedMean(spec);
    case 'multi-krum':
      return new MultiKrum(spec);
    default: {
      const name: unknown = (spec as { name: unknown }).name;
      throw new RangeError(
        `unknown strategy ${JSON.stringify(name)} (expected ${STRATEGY_NAMES.join(', ')})`,
      );
    }
  }
}

/** Parses "name" or "name:key=value,key=value" (the CLI form), e.g. "trimmed-mean:beta=0.1". */
export function parseStrategySpec(text: string): StrategySpec {
  const [name = '', rest = ''] = text.split(':', 2);
  const params: Record<string, number> = {};
  for (const part of rest.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!k || !Number.isFinite(n)) throw new RangeError(`strategy parameter "${part}": expected key=number`);
    params[k] = n;
  }
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`unknown strategy "${name}" (expected ${STRATEGY_NAMES.join(', ')})`);
  }
  if (name === 'multi-krum' && params.byzantine === undefined) {
    throw new RangeError('multi-krum needs byzantine=<f>');
  }
  return { name, ...params } as StrategySpec;
}
