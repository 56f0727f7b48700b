/**
 * Strategies chosen by config: a small tagged spec → a Strategy instance.
 *
 *   { name: 'fedavg' }
 *   { name: 'fedavgm', eta: 1, momentum: 0.9 }
 *   { name: 'fedprox', mu: 0.01 }
 *   { name: 'fedadam', eta: 0.05 }   (also fedyogi, fedadagrad: eta, beta1, beta2, tau)
 *   { name: 'median' }
 *   { name: 'trimmed-mean', beta: 0.2 }
 *   { name: 'multi-krum', byzantine: 2, select: 8 }
 *
 * Every strategy selects clients by Poisson sampling at `selection.fraction`
 * (the coordinator asks it at each join).
 */
import {
  CoordinateMedian,
  FedAdagrad,
  FedAdam,
  FedAvg,
  FedAvgM,
  FedProx,
  FedYogi,
  MultiKrum,
  type SelectionOptions,
  type Strategy,
  TrimmedMean,
} from './strategies';

export type StrategySpec =
  | { name: 'fedavg' }
  | { name: 'fedavgm'; eta?: number; momentum?: number }
  | { name: 'fedprox'; mu?: number }
  | { name: 'fedadam' | 'fedyogi' | 'fedadagrad'; eta?: number; beta1?: number; beta2?: number; tau?: number }
  | { name: 'median' }
  | { name: 'trimmed-mean'; beta?: number }
  | { name: 'multi-krum'; byzantine: number; select?: number };

export const STRATEGY_NAMES = [
  'fedavg',
  'fedavgm',
  'fedprox',
  'fedadam',
  'fedyogi',
  'fedadagrad',
  'median',
  'trimmed-mean',
  'multi-krum',
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Strategies that see individual updates and so cannot run behind secure aggregation or central DP. */
export const ROBUST_STRATEGIES: ReadonlySet<StrategyName> = new Set(['median', 'trimmed-mean', 'multi-krum']);

export function buildStrategy(spec: StrategySpec, selection: SelectionOptions = {}): Strategy {
  switch (spec.name) {
    case 'fedavg':
      return new FedAvg(selection);
    case 'fedavgm':
      return new FedAvgM({ ...spec, ...selection });
    case 'fedprox':
      return new FedProx({ ...spec, ...selection });
    case 'fedadam':
      return new FedAdam({ ...spec, ...selection });
    case 'fedyogi':
      return new FedYogi({ ...spec, ...selection });
    case 'fedadagrad':
      return new FedAdagrad({ ...spec, ...selection });
    case 'median':
      return new CoordinateMedian(selection);
    case 'trimmed-mean':
      return new TrimmedMean({ ...spec, ...selection });
    case 'multi-krum':
      return new MultiKrum({ ...spec, ...selection });
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
