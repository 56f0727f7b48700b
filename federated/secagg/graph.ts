/**
 * Sparse neighbour graphs for secure aggregation at scale (after Bell et al.
 * 2020, "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead",
 * the SecAgg+ of Flower and TFF). Instead of masking against and sharing
 * its secrets with all n − 1 other clients, each client does so with its k
 * neighbours only, so every per-client message and cost is O(k) instead of
 * O(n), and k = O(log n) is enough for a round to survive dropouts.
 *
 * The graph is a Harary (circulant) graph on a random ring: the roster's
 * indices are shuffled by a PRNG seeded by the round, and each client is
 * joined to the k/2 clients before and after it on that ring. It is exactly
 * k-regular, connected, and stays connected unless k/2 ring-consecutive
 * clients drop in two places. With k ≥ n − 1 it is the complete graph (the
 * Bonawitz protocol).
 *
 * The rule for dropouts: each client's secrets are Shamir-shared t-of-(k+1)
 * over its closed neighbourhood (itself and its k neighbours), so the round
 * can be unmasked iff every survivor u and every client d that dropped after
 * sharing keys has at least t answering survivors in its neighbourhood.
 * `dropoutFailureBound` bounds the probability that this fails when each
 * client is lost independently with probability p.
 */
import { seededRng } from '../../services/common/rng';

/** Neighbours (without the client itself) of every index, sorted. */
export type NeighbourGraph = ReadonlyMap<number, readonly number[]>;

/**
 * The k-regular neighbour graph over `indices` for a round: deterministic
 * in (indices, degree, seed), so every party that knows them builds the
 * same graph.
 */
export function neighbourGraph(indices: readonly number[], degree: number, seed: number): NeighbourGraph {
  if (!Number.isSafeInteger(degree) || degree < 2 || degree % 2 !== 0) {
    throw new RangeError(`neighbour degree must be an even integer >= 2, got ${degree}`);
  }
  const ring = [...new Set(indices)].sort((a, b) => a - b);
  const n = ring.length;
  const graph = new Map<number, number[]>();
  if (degree >= n - 1) {
    for (const u of ring)
      graph.set(
        u,
        ring.filter((v) => v !== u),
      );
    return graph;
  }
  const rng = seededRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [ring[i], ring[j]] = [ring[j]!, ring[i]!];
  }
  const half = degree / 2;
  for (let i = 0; i < n; i++) {
    const out: number[] = [];
    for (let d = 1; d <= half; d++) out.push(ring[(i + d) % n]!, ring[(i - d + n) % n]!);
    graph.set(
      ring[i]!,
      out.sort((a, b) => a - b),
    );
  }
  return graph;
}

/** The smallest majority of a closed neighbourhood of k + 1 clients: the Shamir threshold for degree k. */
export function neighbourhoodThreshold(degree: number): number {
  return Math.floor((degree + 1) / 2) + 1;
}

/** ln C(n, k) by summing logs (n is small here: a neighbourhood). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(Bin(n, q) < m). */
export function binomialBelow(n: number, q: number, m: number): number {
  let p = 0;
  for (let j = 0; j < Math.min(m, n + 1); j++) {
    p += Math.exp(logChoose(n, j) + j * Math.log(q) + (n - j) * Math.log1p(-q));
  }
  return Math.min(1, p);
}

/**
 * Upper bound on the probability that a round of n clients on a degree-k
 * graph with threshold t cannot be unmasked when every client is lost
 * (before answering the unmasking round) independently with probability p:
 * a client's secrets need t answers among its k neighbours and itself, and
 * not counting itself, fewer than t of k answer with probability
 * P(Bin(k, 1 − p) < t); a union bound over the n clients.
 */
export function dropoutFailureBound(n: number, degree: number, threshold: number, p: number): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout probability must be in [0, 1), got ${p}`);
  const k = Math.min(degree, n - 1);
  return Math.min(1, n * binomialBelow(k, 1 - p, threshold));
}

/**
 * The smallest even degree k whose round of n clients, with the majority
 * threshold of k + 1, fails with probability at most `target` when each
 * client drops with probability p (n − 1, the complete graph, if none does).
 */
export function degreeFor(n: number, p: number, target: number): number {
  for (let k = 2; k < n - 1; k += 2) {
    if (dropoutFailureBound(n, k, neighbourhoodThreshold(k), p) <= target) return k;
  }
  return n - 1;
}
