/**
 * Secure aggregation after Bonawitz et al. 2017 ("Practical Secure
 * Aggregation for Privacy-Preserving Machine Learning"), semi-honest server
 * variant. The server learns the SUM of the surviving clients' quantised
 * updates and nothing else about any single one.
 *
 *   0. advertiseKeys   each client u makes two X25519 key pairs: c_u (to
 *                      encrypt shares to other clients) and s_u (pairwise
 *                      masks) and sends both public keys. The server
 *                      broadcasts the roster U1 (needs |U1| ≥ t).
 *   1. shareKeys       u draws a self-mask seed b_u, Shamir-shares b_u and
 *                      the s_u private key t-of-|U1|, and sends each v its two
 *                      shares encrypted with AES-256-GCM under
 *                      SHA-256(DH(c_u, c_v)); the server only routes them.
 *   2. maskedInput     u uploads y_u = x_u + PRG(b_u) + Σ_{v≠u} ±PRG(DH(s_u, s_v))
 *                      (mod 2^32; + if u < v, − if u > v), x_u = fixed-point
 *                      encoding of its update (quantize.ts). Pairwise masks
 *                      cancel in the sum; the self mask hides y_u even if a
 *                      pairwise key is later revealed. U2 = who uploaded.
 *   3. unmask          the server sends U2 (needs |U2| ≥ t); each v ∈ U2 that
 *                      is still there answers with its share of b_u for every
 *                      u ∈ U2 and its share of s_u's key for every u ∈ U1 \ U2
 *                      — never both kinds for the same u. With ≥ t answers the
 *                      server rebuilds the self masks of the survivors and the
 *                      pairwise masks that survivors added for dropped
 *                      clients, removes them, and decodes the exact sum.
 *
 * Up to |U1| − t clients may drop at any point: a client that advertised
 * keys but shared none is left out of every mask (each client masks only
 * against the clients whose shares it received, which the server routes to
 * all of them alike), and one that drops after sharing keys (before or after
 * uploading its masked input) is handled by the unmasking round. The sum
 * over the clients whose masked input arrived is still recovered.
 * Not implemented (out of scope for the semi-honest model): signatures and
 * the consistency round against an active server, and client-side checks
 * that |U2| messages are authentic.
 *
 * With DP: clients clip their update and add their share of Gaussian noise
 * BEFORE quantising and masking (see `secAggNoiseStd` in privacy/dp.ts), so
 * the server never sees an un-noised sum.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes as cryptoRandomBytes,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { type NeighbourGraph, neighbourGraph } from './graph';
import { expandMask, LABEL_PAIR_MASK, LABEL_SELF_MASK } from './prg';
import { addMod, checkSumInRange, dequantize, type FixedPoint, quantize, subMod } from './quantize';
import { combineShares, type RandomBytes, type Share, splitSecret } from './shamir';

export class SecAggError extends Error {
  override name = 'SecAggError';
}

/** The unmasked sum is one honest (clamped) inputs cannot add up to: some client sent an out-of-range input. */
export class SecAggRangeError extends SecAggError {
  override name = 'SecAggRangeError';
}

export interface SecAggParams {
  /** Length of every update vector. */
  vectorLength: number;
  /** Shamir threshold t: the minimum number of surviving clients. */
  threshold: number;
  fixedPoint: FixedPoint;
  /**
   * Sparse masking (SecAgg+, graph.ts), server side: each client shares its
   * secrets t-of-(k+1) with, and masks against, only its `degree`
   * neighbours in the round's graph (built from the roster and `seed`), and
   * is handed only them as its roster. Without it every client is every
   * other's neighbour (Bonawitz et al.). The threshold t is then per
   * neighbourhood.
   */
  neighbours?: { degree: number; seed: number };
  /** Randomness source; defaults to crypto.randomBytes. Inject a seeded one only in tests. */
  randomBytes?: RandomBytes;
}

export interface KeyAdvert {
  /** Client index ≥ 1, unique in the round (also its Shamir x-coordinate). */
  index: number;
  /** Raw 32-byte X25519 public key for share encryption. */
  cPublicKey: Buffer;
  /** Raw 32-byte X25519 public key for pairwise masks. */
  sPublicKey: Buffer;
}

export interface EncryptedShares {
  from: number;
  to: number;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export interface OwnerShare {
  /** Whose secret this is a share of. */
  owner: number;
  share: Share;
}

/** Bytes of an encrypted share bundle's IV and GCM tag (around the ciphertext). */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One encrypted bundle as a single wire field: IV ‖ ciphertext ‖ tag. */
export function packEncryptedShares(m: EncryptedShares): Buffer {
  return Buffer.concat([m.iv, m.ciphertext, m.tag]);
}

export function unpackEncryptedShares(from: number, to: number, packed: Uint8Array): EncryptedShares {
  if (packed.length <= IV_BYTES + TAG_BYTES) {
    throw new SecAggError(`encrypted share ${from}->${to} is too short (${packed.length} bytes)`);
  }
  const b = Buffer.from(packed);
  return {
    from,
    to,
    iv: b.subarray(0, IV_BYTES),
    ciphertext: b.subarray(IV_BYTES, b.length - TAG_BYTES),
    tag: b.subarray(b.length - TAG_BYTES),
  };
}

export interface UnmaskResponse {
  from: number;
  /** Shares of b_u for surviving owners u. */
  selfMaskShares: OwnerShare[];
  /** Shares of s_u's private key for dropped owners u. */
  keyShares: OwnerShare[];
}

export interface SecAggResult {
  /** Σ of the survivors' updates (decoded, float64). */
  sum: Float64Array;
  survivors: number[];
  dropped: number[];
}

// ---------------------------------------------------------------------------
// X25519 helpers (raw 32-byte keys wrapped in their fixed DER headers)
// ---------------------------------------------------------------------------

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

interface KeyPair {
  privateKey: KeyObject;
  privateRaw: Buffer;
  publicRaw: Buffer;
}

function privateFromRaw(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function publicRawOf(key: KeyObject): Buffer {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

function newKeyPair(randomBytes: RandomBytes | undefined): KeyPair {
  if (randomBytes) {
    const privateRaw = Buffer.from(randomBytes(32));
    const privateKey = privateFromRaw(privateRaw);
    return { privateKey, privateRaw, publicRaw: publicRawOf(privateKey) };
  }
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    privateKey,
    privateRaw: Buffer.from(der.subarray(der.length - 32)),
    publicRaw: publicRawOf(privateKey),
  };
}

function agree(privateKey: KeyObject, publicRaw: Buffer): Buffer {
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_X25519_PREFIX, publicRaw]),
    format: 'der',
    type: 'spki',
  });
  return diffieHellman({ privateKey, publicKey });
}

function shareKey(secret: Buffer): Buffer {
  return createHash('sha256').update('parley/secagg/v1/share-encryption').update(secret).digest();
}

function pairMask(ownPrivate: KeyObject, otherPublic: Buffer, length: number): Uint32Array {
  return expandMask(agree(ownPrivate, otherPublic), LABEL_PAIR_MASK, length);
}

function checkParams(p: SecAggParams): void {
  if (!Number.isSafeInteger(p.vectorLength) || p.vectorLength < 1) {
    throw new RangeError('vectorLength must be a positive integer');
  }
  if (!Number.isSafeInteger(p.threshold) || p.threshold < 2)
    throw new RangeError('threshold must be an integer >= 2');
}

function checkRoster(roster: readonly KeyAdvert[], p: SecAggParams): Map<number, KeyAdvert> {
  const map = new Map<number, KeyAdvert>();
  for (const a of roster) {
    if (!Number.isSafeInteger(a.index) || a.index < 1) throw new SecAggError(`bad client index ${a.index}`);
    if (map.has(a.index)) throw new SecAggError(`duplicate client index ${a.index}`);
    if (a.cPublicKey.length !== 32 || a.sPublicKey.length !== 32) {
      throw new SecAggError(`client ${a.index}: public keys must be 32 bytes`);
    }
    map.set(a.index, a);
  }
  if (map.size < p.threshold) {
    throw new SecAggError(`secure aggregation needs at least t=${p.threshold} clients, got ${map.size}`);
  }
  if (map.size > p.fixedPoint.maxClients) {
    throw new SecAggError(`${map.size} clients exceed the fixed-point budget of ${p.fixedPoint.maxClients}`);
  }
  return map;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function shareToJson(s: Share): string {
  return s.y.toString(16);
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

export class SecAggClient {
  private readonly c: KeyPair;
  private readonly s: KeyPair;
  private readonly random: RandomBytes;
  private roster: Map<number, KeyAdvert> | null = null;
  private selfSeed: Uint8Array | null = null;
  /** Shares I hold, by owner. */
  private readonly held = new Map<number, { b: Share; s: Share }>();
  private uploaded = false;
  private answered = false;

  constructor(
    readonly index: number,
    private readonly params: SecAggParams,
  ) {
    checkParams(params);
    if (!Number.isSafeInteger(index) || index < 1)
      throw new RangeError('client index must be an integer >= 1');
    this.random = params.randomBytes ?? ((n) => cryptoRandomBytes(n));
    this.c = newKeyPair(params.randomBytes);
    this.s = newKeyPair(params.randomBytes);
  }

  advertiseKeys(): KeyAdvert {
    return { index: this.index, cPublicKey: this.c.publicRaw, sPublicKey: this.s.publicRaw };
  }

  /** Round 1: shares of b_u and of s_u's key, encrypted to every roster member (self included). */
  shareKeys(roster: readonly KeyAdvert[]): EncryptedShares[] {
    if (this.roster) throw new SecAggError('keys already shared this round');
    const map = checkRoster(roster, this.params);
    const me = map.get(this.index);
    if (!me?.sPublicKey.equals(this.s.publicRaw) || !me.cPublicKey.equals(this.c.publicRaw)) {
      throw new SecAggError(`roster does not carry client ${this.index}'s keys`);
    }
    this.roster = map;
    this.selfSeed = Uint8Array.from(this.random(32));
    const points = [...map.keys()];
    const bShares = splitSecret(this.selfSeed, points, this.params.threshold, this.random);
    const sShares = splitSecret(this.s.privateRaw, points, this.params.threshold, this.random);
    return points.map((to, k) => {
      const iv = Buffer.from(this.random(12));
      const cipher = createCipheriv(
        'aes-256-gcm',
        shareKey(agree(this.c.privateKey, map.get(to)!.cPublicKey)),
        iv,
      );
      cipher.setAAD(Buffer.from(`${this.index}->${to}`));
      const plain = JSON.stringify({ b: shareToJson(bShares[k]!), s: shareToJson(sShares[k]!) });
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return { from: this.index, to, iv, ciphertext, tag: cipher.getAuthTag() };
    });
  }

  /** Round 1 (receive): decrypts the shares addressed to this client. */
  receiveShares(messages: readonly EncryptedShares[]): void {
    const roster = this.requireRoster();
    for (const m of messages) {
      if (m.to !== this.index) continue;
      const sender = roster.get(m.from);
      if (!sender) throw new SecAggError(`shares from unknown client ${m.from}`);
      const decipher = createDecipheriv(
        'aes-256-gcm',
        shareKey(agree(this.c.privateKey, sender.cPublicKey)),
        m.iv,
      );
      decipher.setAAD(Buffer.from(`${m.from}->${m.to}`));
      decipher.setAuthTag(m.tag);
      let plain: string;
      try {
        plain = Buffer.concat([decipher.update(m.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecAggError(`shares from client ${m.from} failed authentication`);
      }
      const parsed = JSON.parse(plain) as { b: string; s: string };
      this.held.set(m.from, {
        b: { x: this.index, y: BigInt(`0x${parsed.b}`) },
        s: { x: this.index, y: BigInt(`0x${parsed.s}`) },
      });
    }
  }

  /**
   * Round 2: the masked, quantised update. Pairwise masks are added for the
   * clients whose shares this client received (U2), so that a client that
   * advertised keys and then vanished does not leave an unremovable mask.
   */
  maskedInput(values: ArrayLike<number>): Uint32Array {
    const roster = this.requireRoster();
    if (this.uploaded) throw new SecAggError('masked input already sent this round');
    if (this.held.size < this.params.threshold) {
      throw new SecAggError(
        `refusing to mask: shares from ${this.held.size} clients is below the threshold t=${this.params.threshold}`,
      );
    }
    if (values.length !== this.params.vectorLength) {
      throw new SecAggError(`update has length ${values.length}, expected ${this.params.vectorLength}`);
    }
    const y = quantize(values, this.params.fixedPoint).values;
    addMod(y, expandMask(this.selfSeed!, LABEL_SELF_MASK, y.length));
    for (const v of this.held.keys()) {
      if (v === this.index) continue;
      const mask = pairMask(this.s.privateKey, roster.get(v)!.sPublicKey, y.length);
      if (this.index < v) addMod(y, mask);
      else subMod(y, mask);
    }
    this.uploaded = true;
    return y;
  }

  /** Round 3: shares that let the server unmask the sum over `survivors`. */
  unmask(survivors: readonly number[]): UnmaskResponse {
    const roster = this.requireRoster();
    if (this.answered) throw new SecAggError('already answered the unmasking request');
    const alive = new Set(survivors);
    if (alive.size < this.params.threshold) {
      throw new SecAggError(
        `refusing to unmask: ${alive.size} survivors is below the threshold t=${this.params.threshold}`,
      );
    }
    for (const u of alive) if (!roster.has(u)) throw new SecAggError(`survivor ${u} is not in the roster`);
    if (!alive.has(this.index)) throw new SecAggError(`client ${this.index} is not among the survivors`);
    this.answered = true;
    const response: UnmaskResponse = { from: this.index, selfMaskShares: [], keyShares: [] };
    for (const [owner, shares] of this.held) {
      if (alive.has(owner)) response.selfMaskShares.push({ owner, share: shares.b });
      else response.keyShares.push({ owner, share: shares.s });
    }
    return response;
  }

  private requireRoster(): Map<number, KeyAdvert> {
    if (!this.roster) throw new SecAggError('keys have not been shared yet');
    return this.roster;
  }
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export class SecAggServer {
  private roster: Map<number, KeyAdvert> | null = null;
  /** The neighbour graph of a sparse round (null: everyone is everyone's neighbour). */
  private graph: NeighbourGraph | null = null;
  /** U2: the clients that shared keys (null until routeShares; then masks are among these only). */
  private sharers: Set<number> | null = null;
  private readonly masked = new Map<number, Uint32Array>();

  constructor(private readonly params: SecAggParams) {
    checkParams(params);
  }

  /** Round 0: fixes the roster U1 (the clients that advertised keys). */
  setRoster(adverts: readonly KeyAdvert[]): KeyAdvert[] {
    if (this.roster) throw new SecAggError('roster already fixed');
    this.roster = checkRoster(adverts, this.params);
    const sparse = this.params.neighbours;
    if (sparse) this.graph = neighbourGraph([...this.roster.keys()], sparse.degree, sparse.seed);
    return [...this.roster.values()];
  }

  /** The other clients `index` shares with and masks against (everyone else without a graph). */
  neighboursOf(index: number): readonly number[] {
    const roster = this.requireRoster();
    if (!roster.has(index)) throw new SecAggError(`client ${index} is not in the roster`);
    return this.graph?.get(index) ?? [...roster.keys()].filter((v) => v !== index);
  }

  /** What client `index` is handed as its roster: its own advert and its neighbours', by index. */
  neighbourhood(index: number): KeyAdvert[] {
    const roster = this.requireRoster();
    return [index, ...this.neighboursOf(index)].sort((a, b) => a - b).map((v) => roster.get(v)!);
  }

  /** The survivors in client `index`'s neighbourhood (itself included): what it is asked to unmask for. */
  survivorsFor(index: number): number[] {
    this.requireSurvivors();
    return [index, ...this.neighboursOf(index)].filter((u) => this.masked.has(u)).sort((a, b) => a - b);
  }

  /**
   * Round 1: groups encrypted shares by recipient (the server cannot read
   * them) and fixes U2 = the senders; call once with every message. Throws
   * if fewer than t clients shared keys.
   */
  routeShares(messages: readonly EncryptedShares[]): Map<number, EncryptedShares[]> {
    const roster = this.requireRoster();
    if (this.sharers) throw new SecAggError('shares already routed');
    const out = new Map<number, EncryptedShares[]>();
    const sharers = new Set<number>();
    for (const m of messages) {
      if (!roster.has(m.from) || !roster.has(m.to)) continue;
      if (m.to !== m.from && this.graph && !this.graph.get(m.from)!.includes(m.to)) continue;
      sharers.add(m.from);
      const list = out.get(m.to) ?? [];
      list.push(m);
      out.set(m.to, list);
    }
    if (sharers.size < this.params.threshold) {
      throw new SecAggError(
        `too few clients shared keys: ${sharers.size}, secure aggregation needs at least t=${this.params.threshold}`,
      );
    }
    this.sharers = sharers;
    return out;
  }

  /** Round 2: one masked input per roster client. */
  receiveMaskedInput(index: number, y: Uint32Array): void {
    const roster = this.requireRoster();
    if (!roster.has(index)) throw new SecAggError(`client ${index} is not in the roster`);
    if (this.sharers && !this.sharers.has(index)) throw new SecAggError(`client ${index} shared no keys`);
    if (this.masked.has(index)) throw new SecAggError(`client ${index} already sent its masked input`);
    if (!(y instanceof Uint32Array) || y.length !== this.params.vectorLength) {
      throw new SecAggError(
        `masked input of client ${index} must be a Uint32Array of length ${this.params.vectorLength}`,
      );
    }
    this.masked.set(index, Uint32Array.from(y));
  }

  /** U2: clients whose masked input arrived (throws if fewer than t). */
  survivors(): number[] {
    this.requireSurvivors();
    return [...this.masked.keys()].sort((a, b) => a - b);
  }

  private requireSurvivors(): void {
    if (this.masked.size < this.params.threshold) {
      throw new SecAggError(
        `too few survivors: ${this.masked.size} masked inputs, secure aggregation needs at least t=${this.params.threshold}`,
      );
    }
  }

  /** Round 3: removes all masks using ≥ t unmasking responses and decodes the sum. */
  aggregate(responses: readonly UnmaskResponse[]): SecAggResult {
    const roster = this.requireRoster();
    const survivors = this.survivors();
    const alive = new Set(survivors);
    const members = this.sharers ?? new Set(roster.keys());
    const dropped = [...members].filter((u) => !alive.has(u)).sort((a, b) => a - b);
    const responders = new Set<number>();
    const selfShares = new Map<number, Share[]>();
    const keyShares = new Map<number, Share[]>();
    for (const r of responses) {
      if (!alive.has(r.from) || responders.has(r.from)) continue;
      responders.add(r.from);
      for (const { owner, share } of r.selfMaskShares) {
        if (alive.has(owner)) pushTo(selfShares, owner, share);
      }
      for (const { owner, share } of r.keyShares) {
        if (members.has(owner) && !alive.has(owner)) pushTo(keyShares, owner, share);
      }
    }
    const t = this.params.threshold;
    if (responders.size < t) {
      throw new SecAggError(
        `too few survivors answered the unmasking round: ${responders.size}, need t=${t}`,
      );
    }
    const sum = new Uint32Array(this.params.vectorLength);
    for (const u of survivors) addMod(sum, this.masked.get(u)!);
    for (const u of survivors) {
      const shares = selfShares.get(u) ?? [];
      if (shares.length < t)
        throw new SecAggError(`only ${shares.length} shares of client ${u}'s self mask, need t=${t}`);
      subMod(sum, expandMask(combineShares(shares, t), LABEL_SELF_MASK, sum.length));
    }
    for (const d of dropped) {
      const shares = keyShares.get(d) ?? [];
      if (shares.length < t)
        throw new SecAggError(`only ${shares.length} shares of dropped client ${d}'s key, need t=${t}`);
      const privateKey = privateFromRaw(combineShares(shares, t));
      if (!publicRawOf(privateKey).equals(roster.get(d)!.sPublicKey)) {
        throw new SecAggError(`reconstructed key of client ${d} does not match its public key`);
      }
      for (const v of this.neighboursOf(d)) {
        if (!alive.has(v)) continue;
        // Survivor v added +mask if v < d, −mask if v > d: undo it.
        const mask = pairMask(privateKey, roster.get(v)!.sPublicKey, sum.length);
        if (v < d) subMod(sum, mask);
        else addMod(sum, mask);
      }
    }
    // Masks hide what a client sent, so a bound is all the server can check: honest inputs are
    // clamped to ±range, so their sum is within ±survivors·range (and cannot wrap, quantize.ts).
    try {
      checkSumInRange(sum, survivors.length, this.params.fixedPoint);
    } catch (err) {
      throw new SecAggRangeError((err as Error).message);
    }
    return { sum: dequantize(sum, this.params.fixedPoint), survivors, dropped };
  }

  private requireRoster(): Map<number, KeyAdvert> {
    if (!this.roster) throw new SecAggError('roster not fixed yet');
    return this.roster;
  }
}
