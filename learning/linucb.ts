/**
 * LinUCB with shared features over the candidates (Li et al. 2010, the
 * "action-dependent features" form that Vowpal Wabbit's `cb_explore_adf`
 * uses): ONE ridge regression θ from a candidate's feature row (context ×
 * ad features) to its reward, and each candidate scored by
 *
 *   θᵀx + α · sqrt(xᵀ A⁻¹ x),   A = λI + Σ x xᵀ,   θ = A⁻¹ Σ r x
 *
 * (the optimistic bound on its reward). A⁻¹ is kept up to date by
 * Sherman–Morrison, O(d²) per observation. Deterministic: no randomness.
 */

export class LinUcb {
  /** A⁻¹, row-major d × d. */
  private readonly aInv: Float64Array;
  /** Σ r x. */
  private readonly b: Float64Array;
  private readonly theta: Float64Array;
  private readonly tmp: Float64Array;
  private thetaStale = false;
  observations = 0;

  constructor(
    readonly dims: number,
    readonly lambda = 1,
  ) {
    if (!Number.isInteger(dims) || dims < 1) throw new Error('dims: must be a positive integer');
    if (!(lambda > 0)) throw new Error('lambda: must be > 0');
    this.aInv = new Float64Array(dims * dims);
    for (let i = 0; i < dims; i++) this.aInv[i * dims + i] = 1 / lambda;
    this.b = new Float64Array(dims);
    this.theta = new Float64Array(dims);
    this.tmp = new Float64Array(dims);
  }

  private check(x: ArrayLike<number>): void {
    if (x.length !== this.dims) throw new Error(`x: expected ${this.dims} features, got ${x.length}`);
  }

  /** The ridge estimate of x's reward. */
  mean(x: ArrayLike<number>): number {
    this.check(x);
    this.refresh();
    let s = 0;
    for (let i = 0; i < this.dims; i++) s += this.theta[i]! * x[i]!;
    return s;
  }

  /** sqrt(xᵀ A⁻¹ x): how uncertain the estimate for x still is. */
  width(x: ArrayLike<number>): number {
    this.check(x);
    const d = this.dims;
    let s = 0;
    for (let i = 0; i < d; i++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += this.aInv[i * d + j]! * x[j]!;
      s += x[i]! * row;
    }
    return Math.sqrt(Math.max(0, s));
  }

  /** The optimistic score θᵀx + α·width(x). */
  score(x: ArrayLike<number>, alpha: number): number {
    return this.mean(x) + (alpha > 0 ? alpha * this.width(x) : 0);
  }

  /** Adds one observed (features, reward). */
  update(x: ArrayLike<number>, reward: number): void {
    this.check(x);
    if (!Number.isFinite(reward)) throw new Error('reward: must be a finite number');
    const d = this.dims;
    const u = this.tmp;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.aInv[i * d + j]! * x[j]!;
      u[i] = s; // A⁻¹ x (A⁻¹ is symmetric)
    }
    let denom = 1;
    for (let i = 0; i < d; i++) denom += x[i]! * u[i]!;
    for (let i = 0; i < d; i++) {
      const ui = u[i]! / denom;
      for (let j = 0; j < d; j++) this.aInv[i * d + j]! -= ui * u[j]!;
    }
    for (let i = 0; i < d; i++) this.b[i]! += reward * x[i]!;
    this.thetaStale = true;
    this.observations++;
  }

  /** An independent copy (each test episode starts from the same trained state). */
  clone(): LinUcb {
    const c = new LinUcb(this.dims, this.lambda);
    c.aInv.set(this.aInv);
    c.b.set(this.b);
    c.thetaStale = true;
    c.observations = this.observations;
    return c;
  }

  private refresh(): void {
    if (!this.thetaStale) return;
    const d = this.dims;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.aInv[i * d + j]! * this.b[j]!;
      this.theta[i] = s;
    }
    this.thetaStale = false;
  }
}
