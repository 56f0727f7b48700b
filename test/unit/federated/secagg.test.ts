import { describe, expect, it } from 'vitest';
import { clipToNorm, privatizeForSecAgg } from '../../../federated/privacy/dp';
import {
  binomialBelow,
  combineShares,
  degreeFor,
  dequantize,
  dropoutFailureBound,
  expandMask,
  type FixedPoint,
  fixedPointFor,
  LABEL_PAIR_MASK,
  LABEL_SELF_MASK,
  lagrangeCacheMisses,
  maxEncoded,
  neighbourGraph,
  neighbourhoodThreshold,
  packEncryptedShares,
  quantize,
  type RandomBytes,
  SecAggClient,
  SecAggError,
  type SecAggParams,
  SecAggRangeError,
  SecAggServer,
  SHARE_BYTES,
  shareValueFromBytes,
  shareValueToBytes,
  splitSecret,
  type UnmaskResponse,
  unpackEncryptedShares,
} from '../../../federated/secagg';
import { gaussian, seededRng } from '../../../services/common/rng';

/** Deterministic bytes for tests only (production uses crypto.randomBytes). */
function seededBytes(seed: number): RandomBytes {
  const rng = seededRng(seed);
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
}

function randomUpdate(dim: number, seed: number, scale = 0.3): Float32Array {
  const rng = seededRng(seed);
  return Float32Array.from({ length: dim }, () => scale * gaussian(rng));
}

interface RoundOptions {
  n: number;
  t: number;
  dim: number;
  updates: Float32Array[];
  /** Clients that shared keys but never upload a masked input. */
  dropBeforeUpload?: number[];
  /** Clients that upload but do not answer the unmasking round. */
  dropBeforeUnmask?: number[];
  seed?: number | null;
  range?: number;
}

function setup(o: RoundOptions) {
  const fixedPoint = fixedPointFor(o.range ?? 4, o.n);
  const params: SecAggParams = {
    vectorLength: o.dim,
    threshold: o.t,
    fixedPoint,
    ...(o.seed === null ? {} : { randomBytes: seededBytes(o.seed ?? 1) }),
  };
  const server = new SecAggServer(params);
  const clients = Array.from({ length: o.n }, (_, i) => new SecAggClient(i + 1, params));
  const roster = server.setRoster(clients.map((c) => c.advertiseKeys()));
  const routed = server.routeShares(clients.flatMap((c) => c.shareKeys(roster)));
  for (const c of clients) c.receiveShares(routed.get(c.index) ?? []);
  return { server, clients, fixedPoint };
}

/** Runs all four rounds; returns the server's result and what it saw. */
function runRound(o: RoundOptions) {
  const { server, clients, fixedPoint } = setup(o);
  const uploads = new Map<number, Uint32Array>();
  for (const c of clients) {
    if (o.dropBeforeUpload?.includes(c.index)) continue;
    const y = c.maskedInput(o.updates[c.index - 1]!);
    uploads.set(c.index, y);
    server.receiveMaskedInput(c.index, y);
  }
  const survivors = server.survivors();
  const responses: UnmaskResponse[] = clients
    .filter((c) => survivors.includes(c.index) && !o.dropBeforeUnmask?.includes(c.index))
    .map((c) => c.unmask(survivors));
  return { result: server.aggregate(responses), uploads, fixedPoint, clients, server };
}

function plainSum(updates: Float32Array[], members: number[], dim: number): Float64Array {
  const s = new Float64Array(dim);
  for (const m of members) for (let i = 0; i < dim; i++) s[i]! += updates[m - 1]![i]!;
  return s;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Quantisation bound on a sum of k values: k/(2·scale) (plus float32 slack). */
const quantBound = (k: number, fp: FixedPoint) => k / (2 * fp.scale) + 1e-9;

describe('Shamir secret sharing over GF(2^521 − 1)', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const shares = splitSecret(secret, [1, 2, 3, 4, 5, 6], 4, seededBytes(5));

  it('any t shares recover the secret', () => {
    expect(combineShares(shares.slice(0, 4), 4)).toEqual(secret);
    expect(combineShares([shares[5]!, shares[1]!, shares[3]!, shares[2]!], 4)).toEqual(secret);
  });

  it('t − 1 shares do not (interpolating them gives something else) and are refused at threshold t', () => {
    expect(() => combineShares(shares.slice(0, 3), 4)).toThrow(/need 4 shares/);
    // Interpolating only 3 points yields some other field element (66 bytes always fit p).
    const other = combineShares(shares.slice(0, 3), 3, 66);
    expect(Buffer.from(other.subarray(34)).equals(Buffer.from(secret))).toBe(false);
  });

  it('validates its inputs', () => {
    expect(() => splitSecret(secret, [1, 2], 3, seededBytes(1))).toThrow(/t <= n/);
    expect(() => splitSecret(secret, [1, 1, 2], 2, seededBytes(1))).toThrow(/distinct/);
    expect(() => combineShares([shares[0]!, shares[0]!], 2)).toThrow(/duplicate/);
  });
});

describe('Shamir reconstruction cost and wire form', () => {
  it('computes Lagrange coefficients once per x-coordinate set, and still recovers every secret', () => {
    const rng = seededBytes(21);
    const points = [3, 9, 14, 20, 27, 31];
    const secrets = Array.from({ length: 20 }, () => Uint8Array.from(rng(32)));
    const shares = secrets.map((sec) => splitSecret(sec, points, 4, rng));
    const before = lagrangeCacheMisses();
    // the same survivors (in any order) for every secret: one coefficient computation
    shares.forEach((sh, k) => {
      const used = k % 2 === 0 ? sh.slice(1, 5) : [sh[4]!, sh[2]!, sh[1]!, sh[3]!];
      expect(combineShares(used, 4)).toEqual(secrets[k]);
    });
    expect(lagrangeCacheMisses() - before).toBe(1);
    // another survivor set is another (correct) computation
    expect(combineShares([shares[0]![0]!, shares[0]![2]!, shares[0]![3]!, shares[0]![5]!], 4)).toEqual(
      secrets[0],
    );
    expect(lagrangeCacheMisses() - before).toBe(2);
  });

  it('share values and encrypted bundles round-trip through their wire bytes; malformed ones are refused', () => {
    const y = (1n << 520n) + 12345n;
    const bytes = shareValueToBytes(y);
    expect(bytes).toHaveLength(SHARE_BYTES);
    expect(shareValueFromBytes(bytes)).toBe(y);
    expect(() => shareValueFromBytes(new Uint8Array(65))).toThrow(/66 bytes/);
    expect(() => shareValueFromBytes(new Uint8Array(SHARE_BYTES).fill(0xff))).toThrow(/field element/);
    const m = {
      from: 2,
      to: 5,
      iv: Buffer.alloc(12, 1),
      ciphertext: Buffer.alloc(40, 2),
      tag: Buffer.alloc(16, 3),
    };
    expect(unpackEncryptedShares(2, 5, packEncryptedShares(m))).toEqual(m);
    expect(() => unpackEncryptedShares(2, 5, new Uint8Array(28))).toThrow(SecAggError);
  });
});

describe('fixed-point quantisation into Z_2^32', () => {
  it('round-trips within 1/(2·scale) and clamps outside ±range', () => {
    const fp = fixedPointFor(2, 10);
    const xs = [0, 1.2345678, -1.999, 2, -2, 3.5, -7];
    const q = quantize(xs, fp);
    expect(q.clamped).toBe(2);
    const back = dequantize(q.values, fp);
    for (let i = 0; i < 5; i++) expect(Math.abs(back[i]! - xs[i]!)).toBeLessThanOrEqual(1 / (2 * fp.scale));
    expect(back[5]).toBe(2);
    expect(back[6]).toBe(-2);
  });

  it('a sum of maxClients extreme values does not wrap', () => {
    const fp = fixedPointFor(1.5, 7);
    for (const x of [1.5, -1.5]) {
      const acc = new Uint32Array(1);
      for (let k = 0; k < 7; k++) acc[0] = acc[0]! + quantize([x], fp).values[0]!;
      expect(dequantize(acc, fp)[0]).toBeCloseTo(7 * x, 6);
    }
    expect(() => fixedPointFor(1e9, 1000)).toThrow(/does not fit/);
  });
});

describe('mask PRG', () => {
  it('is deterministic per seed and separated by label', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(expandMask(seed, LABEL_SELF_MASK, 8)).toEqual(expandMask(seed, LABEL_SELF_MASK, 8));
    expect(expandMask(seed, LABEL_SELF_MASK, 8)).not.toEqual(expandMask(seed, LABEL_PAIR_MASK, 8));
    expect(expandMask(seed, LABEL_SELF_MASK, 4)).toEqual(expandMask(seed, LABEL_SELF_MASK, 8).subarray(0, 4));
  });
});

describe('secure aggregation protocol', () => {
  const n = 6;
  const t = 4;
  const dim = 256;
  const updates = Array.from({ length: n }, (_, k) => randomUpdate(dim, 100 + k));
  const all = [1, 2, 3, 4, 5, 6];

  it('recovers the exact sum (to quantisation) with no dropouts', () => {
    const { result, fixedPoint } = runRound({ n, t, dim, updates });
    expect(result.survivors).toEqual(all);
    expect(result.dropped).toEqual([]);
    expect(maxAbsDiff(result.sum, plainSum(updates, all, dim))).toBeLessThanOrEqual(
      quantBound(n, fixedPoint),
    );
  });

  it('recovers the survivors’ sum when n − t clients drop before uploading (pairwise masks rebuilt)', () => {
    const { result, fixedPoint } = runRound({ n, t, dim, updates, dropBeforeUpload: [2, 5] });
    expect(result.survivors).toEqual([1, 3, 4, 6]);
    expect(result.dropped).toEqual([2, 5]);
    expect(maxAbsDiff(result.sum, plainSum(updates, [1, 3, 4, 6], dim))).toBeLessThanOrEqual(
      quantBound(4, fixedPoint),
    );
  });

  it('recovers the sum when clients vanish after uploading (self masks rebuilt from shares)', () => {
    const { result, fixedPoint } = runRound({
      n,
      t,
      dim,
      updates,
      dropBeforeUpload: [6],
      dropBeforeUnmask: [1],
    });
    expect(result.survivors).toEqual([1, 2, 3, 4, 5]);
    expect(maxAbsDiff(result.sum, plainSum(updates, [1, 2, 3, 4, 5], dim))).toBeLessThanOrEqual(
      quantBound(5, fixedPoint),
    );
  });

  it('leaves out a client that advertised keys but shared none (it dropped before sharing)', () => {
    const n = 6;
    const dim = 50;
    const updates = Array.from({ length: n }, (_, k) => randomUpdate(dim, 40 + k));
    const fixedPoint = fixedPointFor(4, n);
    const params: SecAggParams = { vectorLength: dim, threshold: 3, fixedPoint, randomBytes: seededBytes(8) };
    const server = new SecAggServer(params);
    const clients = Array.from({ length: n }, (_, i) => new SecAggClient(i + 1, params));
    const roster = server.setRoster(clients.map((c) => c.advertiseKeys()));
    const sharing = clients.filter((c) => c.index !== 2 && c.index !== 5);
    const routed = server.routeShares(sharing.flatMap((c) => c.shareKeys(roster)));
    for (const c of sharing) c.receiveShares(routed.get(c.index) ?? []);
    for (const c of sharing) server.receiveMaskedInput(c.index, c.maskedInput(updates[c.index - 1]!));
    expect(() => server.receiveMaskedInput(2, new Uint32Array(dim))).toThrow(/shared no keys/);
    const survivors = server.survivors();
    const result = server.aggregate(sharing.map((c) => c.unmask(survivors)));
    expect(result.survivors).toEqual([1, 3, 4, 6]);
    expect(result.dropped).toEqual([]);
    expect(maxAbsDiff(result.sum, plainSum(updates, [1, 3, 4, 6], dim))).toBeLessThanOrEqual(
      quantBound(4, fixedPoint),
    );
  });

  it('refuses to route shares from fewer than t clients, and a client refuses to mask with fewer', () => {
    const params: SecAggParams = {
      vectorLength: 4,
      threshold: 3,
      fixedPoint: fixedPointFor(4, 4),
      randomBytes: seededBytes(9),
    };
    const server = new SecAggServer(params);
    const clients = Array.from({ length: 4 }, (_, i) => new SecAggClient(i + 1, params));
    const roster = server.setRoster(clients.map((c) => c.advertiseKeys()));
    const two = clients.slice(0, 2).flatMap((c) => c.shareKeys(roster));
    expect(() => server.routeShares(two)).toThrow(/too few clients shared keys: 2/);
    clients[0]!.receiveShares(two);
    expect(() => clients[0]!.maskedInput(new Float32Array(4))).toThrow(/refusing to mask/);
  });

  it('works with fresh OS randomness and generateKeyPairSync keys (no injected source)', () => {
    const { result, fixedPoint } = runRound({ n, t, dim, updates, dropBeforeUpload: [3], seed: null });
    expect(maxAbsDiff(result.sum, plainSum(updates, [1, 2, 4, 5, 6], dim))).toBeLessThanOrEqual(
      quantBound(5, fixedPoint),
    );
  });

  it('fails clearly with fewer than t survivors', () => {
    expect(() => runRound({ n, t, dim, updates, dropBeforeUpload: [1, 2, 3] })).toThrow(SecAggError);
    expect(() => runRound({ n, t, dim, updates, dropBeforeUpload: [1, 2, 3] })).toThrow(
      /too few survivors: 3 masked inputs, secure aggregation needs at least t=4/,
    );
  });

  it('fails clearly when fewer than t survivors answer the unmasking round', () => {
    expect(() => runRound({ n, t, dim, updates, dropBeforeUpload: [1], dropBeforeUnmask: [2, 3] })).toThrow(
      /too few survivors answered the unmasking round: 3, need t=4/,
    );
  });

  it('a client refuses to unmask for fewer than t survivors, and answers only once', () => {
    const { clients } = setup({ n, t, dim, updates });
    expect(() => clients[0]!.unmask([1, 2, 3])).toThrow(/below the threshold t=4/);
    clients[0]!.unmask(all);
    expect(() => clients[0]!.unmask(all)).toThrow(/already answered/);
  });

  it('rejects a roster smaller than t, foreign or malformed uploads, and tampered shares', () => {
    const params: SecAggParams = {
      vectorLength: dim,
      threshold: t,
      fixedPoint: fixedPointFor(4, n),
      randomBytes: seededBytes(3),
    };
    const small = [1, 2, 3].map((i) => new SecAggClient(i, params).advertiseKeys());
    expect(() => new SecAggServer(params).setRoster(small)).toThrow(/at least t=4 clients, got 3/);

    const { server } = setup({ n, t, dim, updates });
    expect(() => server.receiveMaskedInput(9, new Uint32Array(dim))).toThrow(/not in the roster/);
    expect(() => server.receiveMaskedInput(1, new Uint32Array(dim - 1))).toThrow(/length 256/);

    const c = new SecAggClient(1, params);
    const others = [2, 3, 4].map((i) => new SecAggClient(i, params));
    const roster = [c, ...others].map((x) => x.advertiseKeys());
    const msgs = others.flatMap((o) => o.shareKeys(roster)).filter((m) => m.to === 1);
    c.shareKeys(roster);
    const tampered = { ...msgs[0]!, ciphertext: Buffer.from(msgs[0]!.ciphertext) };
    tampered.ciphertext[0] = tampered.ciphertext[0]! ^ 1;
    expect(() => c.receiveShares([tampered])).toThrow(/failed authentication/);
  });

  it('one masked upload alone looks uniform and is uncorrelated with the update', () => {
    const big = 8192;
    // A very structured update: a ramp in [−1, 1].
    const ramp = Float32Array.from({ length: big }, (_, i) => -1 + (2 * i) / big);
    const ups = Array.from({ length: 4 }, () => ramp);
    const { uploads, fixedPoint } = runRound({ n: 4, t: 3, dim: big, updates: ups, seed: 77 });
    const y = uploads.get(2)!;

    const chiSquare = (v: Uint32Array) => {
      const buckets = new Array<number>(16).fill(0);
      for (const w of v) buckets[w >>> 28]!++;
      const expected = v.length / 16;
      return buckets.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    };
    // 15 degrees of freedom: P(χ² > 37.70) = 0.001.
    expect(chiSquare(y)).toBeLessThan(37.7);
    // Control: the unmasked encoding is far from uniform, so the test has teeth.
    expect(chiSquare(quantize(ramp, fixedPoint).values)).toBeGreaterThan(1000);

    // Pearson correlation between the true values and the masked words.
    const xs = Array.from(ramp);
    const ys = Array.from(y);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const mx = mean(xs);
    const my = mean(ys);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < big; i++) {
      sxy += (xs[i]! - mx) * (ys[i]! - my);
      sxx += (xs[i]! - mx) ** 2;
      syy += (ys[i]! - my) ** 2;
    }
    const r = sxy / Math.sqrt(sxx * syy);
    expect(Math.abs(r)).toBeLessThan(4 / Math.sqrt(big)); // ~4σ under independence
  });

  it('composes with DP: clients clip and add z·C/√t noise before masking; the sum carries ≥ z·C', () => {
    const clip = 1;
    const z = 1;
    const big = 4000;
    const raw = Array.from({ length: 5 }, (_, k) => randomUpdate(big, 300 + k, 0.1));
    const rng = seededRng(12);
    const privatized = raw.map((u) =>
      privatizeForSecAgg(u, { clipNorm: clip, noiseMultiplier: z, minContributors: 3 }, rng),
    );
    const { result, fixedPoint } = runRound({
      n: 5,
      t: 3,
      dim: big,
      updates: privatized,
      dropBeforeUpload: [2, 4],
      range: 8,
    });
    const members = [1, 3, 5];
    // The server's sum is exactly the sum of the privatised updates...
    expect(maxAbsDiff(result.sum, plainSum(privatized, members, big))).toBeLessThanOrEqual(
      quantBound(3, fixedPoint),
    );
    // ...whose noise (sum minus the clipped signal) has std ≈ z·C with only t survivors.
    const clipped = raw.map((u) => clipToNorm(u, clip).clipped);
    const signal = plainSum(clipped, members, big);
    const noise = result.sum.map((v, i) => v - signal[i]!);
    const sd = Math.sqrt(noise.reduce((s, v) => s + v * v, 0) / big);
    expect(sd / (z * clip)).toBeCloseTo(1, 1);
  });
});

describe('sparse neighbour graphs (SecAgg+)', () => {
  it('is k-regular, symmetric, seeded by the round, and complete when k ≥ n − 1', () => {
    const indices = Array.from({ length: 50 }, (_, i) => i + 1);
    const g = neighbourGraph(indices, 6, 11);
    for (const [u, near] of g) {
      expect(near).toHaveLength(6);
      expect(near).not.toContain(u);
      for (const v of near) expect(g.get(v)).toContain(u);
    }
    expect(neighbourGraph(indices, 6, 11)).toEqual(g);
    expect(neighbourGraph(indices, 6, 12)).not.toEqual(g);
    expect(neighbourGraph([1, 2, 3, 4], 4, 1).get(2)).toEqual([1, 3, 4]);
    expect(() => neighbourGraph(indices, 5, 1)).toThrow(/even integer >= 2/);
  });

  it('bounds the chance that a neighbourhood runs out of shares, and picks k = O(log n) from it', () => {
    expect(binomialBelow(3, 0.5, 2)).toBeCloseTo(0.5, 12); // P(Bin(3, ½) ≤ 1) = 4/8
    const k = degreeFor(10_000, 0.1, 1e-6);
    expect(dropoutFailureBound(10_000, k, neighbourhoodThreshold(k), 0.1)).toBeLessThanOrEqual(1e-6);
    expect(dropoutFailureBound(10_000, k - 2, neighbourhoodThreshold(k - 2), 0.1)).toBeGreaterThan(1e-6);
    expect(k).toBeLessThan(4 * Math.log2(10_000));
  });

  const n = 30;
  const degree = 6;
  const t = neighbourhoodThreshold(degree); // 4 of each 7-client neighbourhood
  const dim = 64;
  const updates = Array.from({ length: n }, (_, k) => randomUpdate(dim, 300 + k));

  function sparseRound(o: { dropBeforeUpload?: number[]; dropBeforeUnmask?: number[]; tamper?: number }) {
    const params: SecAggParams = {
      vectorLength: dim,
      threshold: t,
      // The encoding's budget is above the round's clients (as the roster cap must be, README).
      fixedPoint: fixedPointFor(4, 2 * n),
      randomBytes: seededBytes(21),
      neighbours: { degree, seed: 5 },
    };
    const server = new SecAggServer(params);
    const clients = Array.from({ length: n }, (_, i) => new SecAggClient(i + 1, params));
    server.setRoster(clients.map((c) => c.advertiseKeys()));
    const bundles = clients.map((c) => c.shareKeys(server.neighbourhood(c.index)));
    const routed = server.routeShares(bundles.flat());
    for (const c of clients) c.receiveShares(routed.get(c.index) ?? []);
    for (const c of clients) {
      if (o.dropBeforeUpload?.includes(c.index)) continue;
      const y = c.maskedInput(updates[c.index - 1]!);
      if (c.index === 1 && o.tamper !== undefined) y[0] = y[0]! + o.tamper; // a malicious client's own input
      server.receiveMaskedInput(c.index, y);
    }
    const responses = clients
      .filter((c) => server.survivors().includes(c.index) && !o.dropBeforeUnmask?.includes(c.index))
      .map((c) => c.unmask(server.survivorsFor(c.index)));
    return { server, bundles, fp: params.fixedPoint, aggregate: () => server.aggregate(responses) };
  }

  it('each client shares with k + 1 clients, not n, and the sum is exact through dropouts at every phase', () => {
    const { bundles, aggregate, fp, server } = sparseRound({
      dropBeforeUpload: [3, 17],
      dropBeforeUnmask: [8],
    });
    for (const b of bundles) expect(b).toHaveLength(degree + 1);
    expect(server.neighbourhood(1)).toHaveLength(degree + 1);
    const result = aggregate();
    const alive = Array.from({ length: n }, (_, i) => i + 1).filter((i) => i !== 3 && i !== 17);
    expect(result.survivors).toEqual(alive);
    expect(result.dropped).toEqual([3, 17]);
    expect(maxAbsDiff(result.sum, plainSum(updates, alive, dim))).toBeLessThanOrEqual(quantBound(n, fp));
  });

  it('fails naming the client whose neighbourhood has fewer than t answers', () => {
    const params = { vectorLength: dim, threshold: t, fixedPoint: fixedPointFor(1, n) };
    const probe = new SecAggServer({ ...params, neighbours: { degree, seed: 5 } });
    probe.setRoster(Array.from({ length: n }, (_, i) => new SecAggClient(i + 1, params).advertiseKeys()));
    // Client 1 uploads, but only t − 1 of its neighbourhood (itself included) answer.
    const silent = probe.neighboursOf(1).slice(0, degree - (t - 2));
    const { aggregate } = sparseRound({ dropBeforeUnmask: silent });
    expect(aggregate).toThrow(/shares of client 1's self mask, need t=4/);
  });

  it('refuses a sum outside ±survivors·range; an input that keeps the sum inside passes unseen', () => {
    const wild = sparseRound({ tamper: 3 * 2 ** 29 });
    expect(wild.aggregate).toThrow(SecAggRangeError);
    expect(wild.aggregate).toThrow(/sum\[0\] decodes to .* outside ±30 inputs × range 4/);
    // The limit of a sum check: client 1 adds 5·range to coordinate 0 (its own bound is 1·range) and
    // nothing notices, since the sum stays inside ±30·range.
    const sly = sparseRound({ tamper: 5 * maxEncoded(fixedPointFor(4, 2 * n)) });
    const honest = plainSum(
      updates,
      Array.from({ length: n }, (_, i) => i + 1),
      dim,
    );
    expect(sly.aggregate().sum[0]! - honest[0]!).toBeCloseTo(20, 3);
  });
});
