/**
 * Secure aggregation at scale (`tsx bench/federated-secagg.ts`): the sparse
 * (SecAgg+) protocol of federated/secagg run IN PROCESS with every client,
 * at n = 100, 1,000 and 10,000 clients, each masking with k neighbours
 * (k = degreeFor(n, p, 1e-6): the least even degree whose round fails with
 * probability ≤ 10⁻⁶ when each client drops with probability p, threshold
 * the majority of k + 1). A share `--drop` of the clients drops after
 * sharing keys (its pairwise masks are rebuilt from its neighbours' shares)
 * and as many again do not answer the unmasking round, so reconstruction is
 * part of the cost.
 *
 * Per client: the CPU time of its four steps (summed over the clients and
 * divided by n) and the bytes it sends and receives (payload bytes of the
 * protocol objects, not gRPC framing). Server: the CPU time of routing, taking
 * the masked inputs and unmasking, and the bytes of its largest single
 * message (what must stay under the 256 KiB gRPC limit), next to what the
 * complete graph (Bonawitz, every client a neighbour) would need.
 *
 * Bounded in time: one run per n, the vector is `--length` values (default
 * 10,000), and `--max-clients` stops early (default 10,000).
 *
 *   tsx bench/federated-secagg.ts [--length 10000] [--drop 0.05] [--max-clients 10000] [--out bench/FEDERATED-SECAGG.md]
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  degreeFor,
  dropoutFailureBound,
  type EncryptedShares,
  fixedPointFor,
  neighbourhoodThreshold,
  packEncryptedShares,
  SecAggClient,
  type SecAggParams,
  SecAggServer,
  SHARE_BYTES,
  type UnmaskResponse,
} from '../federated/secagg';
import { gaussian, seededRng } from '../services/common/rng';

/** gRPC's default maximum message size here (services/common/grpc). */
const MESSAGE_LIMIT = 256 * 1024;
/** Bytes of one key advert: index (4) and two raw X25519 public keys. */
const ADVERT_BYTES = 4 + 32 + 32;
/** Bytes of an encrypted bundle's two indices on the wire. */
const INDEX_BYTES = 8;

interface Options {
  length: number;
  drop: number;
  maxClients: number;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { length: 10_000, drop: 0.05, maxClients: 10_000, out: 'bench/FEDERATED-SECAGG.md' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--length') o.length = Number(v());
    else if (a === '--drop') o.drop = Number(v());
    else if (a === '--max-clients') o.maxClients = Number(v());
    else if (a === '--out') o.out = v();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(Number.isInteger(o.length) && o.length >= 1)) throw new Error('--length must be an integer >= 1');
  if (!(o.drop >= 0 && o.drop < 0.5)) throw new Error('--drop must be in [0, 0.5)');
  if (!(Number.isInteger(o.maxClients) && o.maxClients >= 100))
    throw new Error('--max-clients must be >= 100');
  return o;
}

export interface ScaleRow {
  n: number;
  degree: number;
  threshold: number;
  failureBound: number;
  clientMs: number;
  serverMs: number;
  clientUpBytes: number;
  clientDownBytes: number;
  largestServerMessage: number;
  denseLargestMessage: number;
  survivors: number;
  maxError: number;
}

/** Adds the CPU time (user + system) of `fn` to `acc`: a busy machine does not inflate it as it does wall-clock time. */
function time<T>(acc: { ms: number }, fn: () => T): T {
  const t0 = process.cpuUsage();
  const out = fn();
  const d = process.cpuUsage(t0);
  acc.ms += (d.user + d.system) / 1000;
  return out;
}

const bundleBytes = (m: EncryptedShares) => packEncryptedShares(m).length + INDEX_BYTES;

export function runScale(n: number, o: Options): ScaleRow {
  const degree = Math.min(degreeFor(n, o.drop * 2, 1e-6), n - 1 - ((n - 1) % 2));
  const threshold = neighbourhoodThreshold(degree);
  const params: SecAggParams = {
    vectorLength: o.length,
    threshold,
    fixedPoint: fixedPointFor(1, n),
    neighbours: { degree, seed: n },
  };
  const rng = seededRng(n);
  const update = () => Float32Array.from({ length: o.length }, () => 0.1 * gaussian(rng));
  const client = { ms: 0 };
  const server = { ms: 0 };
  let up = 0;
  let down = 0;
  const srv = new SecAggServer(params);
  const clients = Array.from({ length: n }, (_, i) => time(client, () => new SecAggClient(i + 1, params)));
  const adverts = clients.map((c) => time(client, () => c.advertiseKeys()));
  up += n * ADVERT_BYTES;
  time(server, () => srv.setRoster(adverts));
  const bundles: EncryptedShares[] = [];
  let largestUp = 0;
  for (const c of clients) {
    const near = srv.neighbourhood(c.index);
    down += near.length * ADVERT_BYTES;
    const mine = time(client, () => c.shareKeys(near));
    const bytes = mine.reduce((s, m) => s + bundleBytes(m), 0);
    up += bytes;
    largestUp = Math.max(largestUp, bytes);
    bundles.push(...mine);
  }
  const routed = time(server, () => srv.routeShares(bundles));
  let largestDown = 0;
  for (const c of clients) {
    const mine = routed.get(c.index) ?? [];
    const bytes = mine.reduce((s, m) => s + bundleBytes(m), 0);
    down += bytes;
    largestDown = Math.max(largestDown, bytes);
    time(client, () => c.receiveShares(mine));
  }
  // Every 1/drop-th client drops after sharing; as many others upload and then vanish.
  const every = o.drop > 0 ? Math.round(1 / o.drop) : Number.POSITIVE_INFINITY;
  const dropsBeforeUpload = (i: number) => i % every === 0;
  const dropsBeforeUnmask = (i: number) => i % every === 1;
  const sum = new Float64Array(o.length);
  for (const c of clients) {
    if (dropsBeforeUpload(c.index)) continue;
    const x = update();
    for (let j = 0; j < o.length; j++) sum[j]! += x[j]!;
    const y = time(client, () => c.maskedInput(x));
    up += 4 * y.length;
    time(server, () => srv.receiveMaskedInput(c.index, y));
  }
  const responses: UnmaskResponse[] = [];
  for (const c of clients) {
    if (dropsBeforeUpload(c.index) || dropsBeforeUnmask(c.index)) continue;
    const near = srv.survivorsFor(c.index);
    down += 4 * near.length;
    const r = time(client, () => c.unmask(near));
    up += (r.selfMaskShares.length + r.keyShares.length) * (SHARE_BYTES + 4);
    responses.push(r);
  }
  const result = time(server, () => srv.aggregate(responses));
  let maxError = 0;
  for (let j = 0; j < o.length; j++) maxError = Math.max(maxError, Math.abs(result.sum[j]! - sum[j]!));
  const perBundle = bundleBytes(bundles[0]!);
  return {
    n,
    degree,
    threshold,
    failureBound: dropoutFailureBound(n, degree, threshold, o.drop * 2),
    clientMs: client.ms / n,
    serverMs: server.ms,
    clientUpBytes: up / n,
    clientDownBytes: down / n,
    largestServerMessage: Math.max(largestUp, largestDown, (degree + 1) * ADVERT_BYTES),
    denseLargestMessage: Math.max(n * perBundle, n * ADVERT_BYTES),
    survivors: result.survivors.length,
    maxError,
  };
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

export function renderScale(rows: readonly ScaleRow[], o: Options, seconds: number): string {
  const lines = rows.map(
    (r) =>
      `| ${r.n.toLocaleString('en')} | ${r.degree} | ${r.threshold} | ${r.failureBound.toExponential(1)} | ${r.survivors.toLocaleString('en')} | ${r.clientMs.toFixed(1)} ms | ${kib(r.clientUpBytes)} | ${kib(r.clientDownBytes)} | ${(r.serverMs / 1000).toFixed(2)} s | ${kib(r.largestServerMessage)} | ${kib(r.denseLargestMessage)}${r.denseLargestMessage > MESSAGE_LIMIT ? ' (over)' : ''} | ${r.maxError.toExponential(1)} |`,
  );
  return `## Secure aggregation at scale (sparse neighbour graphs)

\`tsx bench/federated-secagg.ts\` — one in-process run per n, every client and the server in one process, a vector of ${o.length.toLocaleString('en')} values; ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at the end; ${seconds.toFixed(0)} s wall-clock in all.

Each client masks with k neighbours on a random ring seeded by the round (\`federated/secagg/graph.ts\`), k the least even degree whose round fails with probability ≤ 10⁻⁶ (the bound column, union bound) when each client is lost with probability ${o.drop * 2}, t the majority of k + 1. In the run, ${(o.drop * 100).toFixed(0)} % of the clients drop after sharing keys (their masks are rebuilt from their neighbours' shares) and ${(o.drop * 100).toFixed(0)} % more upload and never answer the unmasking round.

| clients n | k | t | failure bound | survivors | per client (CPU) | client sends | client receives | server (CPU) | largest message (sparse) | largest message (complete graph) | max error of the sum |
|---|---|---|---|---|---|---|---|---|---|---|---|
${lines.join('\n')}

Times are CPU time (user + system) of the code, which other load on the machine does not inflate. Per client is the time of its own steps (key generation, sharing, decrypting its bundles, masking, unmasking) averaged over the clients; bytes are protocol payload (keys, encrypted bundles, the masked vector of 4 bytes per value, Shamir shares of ${SHARE_BYTES} bytes), without gRPC framing. The server's time covers routing the bundles, taking the masked inputs and unmasking (one Shamir reconstruction per survivor and per dropped client, a mask expansion per survivor and per survivor–dropped-neighbour pair). The largest message is the largest single message a client sends or receives outside the chunked masked upload (the key roster or the share bundles), against the ${kib(MESSAGE_LIMIT)} gRPC limit: with the complete graph it is n bundles, over the limit past ~800 clients. The error of the sum is quantisation, at most survivors/(2·scale) per value with the fixed point sized for n clients (\`fixedPointFor(1, n)\`).
`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const rows: ScaleRow[] = [];
  for (const n of [100, 1_000, 10_000].filter((x) => x <= o.maxClients)) {
    process.stderr.write(`secure aggregation, ${n} clients… `);
    const row = runScale(n, o);
    process.stderr.write(
      `k=${row.degree} t=${row.threshold}: ${row.clientMs.toFixed(1)} ms and ${kib(row.clientUpBytes)} up per client, server ${(row.serverMs / 1000).toFixed(2)} s\n`,
    );
    rows.push(row);
  }
  const md = renderScale(rows, o, (performance.now() - t0) / 1000);
  writeFileSync(o.out, md);
  process.stdout.write(md);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
