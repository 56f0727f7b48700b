/**
 * FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous
 * Networks"): clients minimise their loss plus (μ/2)·‖θ − θ_global‖², which
 * keeps heterogeneous clients from drifting far from the global model; the
 * server averages like FedAvg. The strategy hands μ to every client through
 * the training plan (`proximal_mu`); the learner adds the term's gradient.
 */
import { FedAvg } from './fedavg';
import type { SelectionOptions } from './types';

export interface FedProxOptions extends SelectionOptions {
  /** Proximal weight μ (default 0.01; 0 is FedAvg). */
  mu?: number;
}

export class FedProx extends FedAvg {
  override readonly name: string = 'fedprox';
  readonly clientPlan: { readonly proximalMu: number };

  constructor(options: FedProxOptions = {}) {
    super(options);
    const mu = options.mu ?? 0.01;
    if (!(mu >= 0) || !Number.isFinite(mu))
      throw new RangeError(`mu must be a finite number >= 0, got ${mu}`);
    this.clientPlan = { proximalMu: mu };
  }
}
