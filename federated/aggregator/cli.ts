/**
 * `parley federated [flags]` — runs the FederatedAggregator on the inventory
 * policy until SIGINT/SIGTERM. Config (host, Redis, policy path, log level)
 * comes from the environment like every service; round options are flags:
 *
 *   --port 50056 --strategy fedavg|fedadam|median|trimmed-mean[:beta=0.2]|multi-krum:byzantine=f
 *   --mode sync|async --min-clients 2 --max-clients N --fraction 1 --deadline-ms 60000
 *   --late reject|carry-over --buffer K --max-staleness 4 --max-norm X
 *   --lr 3 --epochs 3 --batch 16 --clip 0.5 --local-noise 0
 *   --dp-noise z | --dp-epsilon E --dp-rounds R   --dp-expected m [--dp-delta 1e-5] [--dp-adaptive]
 *     (--dp-epsilon: z calibrated so that R rounds at the sampling rate spend at most ε = E)
 *   --secure-clients n [--secure-threshold t] [--secure-range r] [--secure-phase-ms 30000]
 *     [--secure-neighbours k] [--dp-min-contributors k]   secure aggregation (t defaults to a
 *     majority of n, or of k + 1 with --secure-neighbours: each client masks with k neighbours
 *     only; the range to the clip norm plus six standard deviations of a client's DP noise share)
 *   --publish path (default PARLEY_POLICY_PATH)
 *
 * Prints the ready line of `parley serve` on stdout once listening
 * ({"service":"federated","address","pid","metrics"}); SIGTERM drains and exits 0.
 */
import { loadConfig } from '../../services/common/config';
import { setDefaultIdentity } from '../../services/common/grpc/tls';
import { createLogger } from '../../services/common/log';
import { startMetricsEndpoint } from '../../services/common/metrics';
import { DEFAULT_PLAN, type TrainingPlan } from '../client/learner';
import { baselineVector } from '../client/model';
import { type DpOptions, resolveNoiseMultiplier } from './coordinator';
import { majority, type SecureAggregationOptions } from './secure';
import { DEFAULT_FEDERATED_PORT, type StartFederatedOptions, startFederatedAggregator } from './server';
import { parseStrategySpec } from './strategy-config';

export function parseFlags(argv: string[]): Omit<StartFederatedOptions, 'config' | 'log'> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    if (a === '--dp-adaptive') flags.set('dp-adaptive', '1');
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      flags.set(a.slice(2), v);
    }
  }
  const known = new Set([
    'port',
    'strategy',
    'mode',
    'min-clients',
    'max-clients',
    'fraction',
    'deadline-ms',
    'late',
    'buffer',
    'max-staleness',
    'max-norm',
    'lr',
    'epochs',
    'batch',
    'clip',
    'local-noise',
    'dp-noise',
    'dp-epsilon',
    'dp-rounds',
    'dp-expected',
    'dp-delta',
    'dp-adaptive',
    'publish',
    'seed',
    'secure-clients',
    'secure-threshold',
    'secure-range',
    'secure-phase-ms',
    'secure-neighbours',
    'dp-min-contributors',
  ]);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown flag --${k}`);
  const num = (k: string): number | undefined => {
    const v = flags.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${k}: expected a number, got "${v}"`);
    return n;
  };
  const mode = flags.get('mode') ?? 'sync';
  if (mode !== 'sync' && mode !== 'async') throw new Error('--mode: expected sync or async');
  const late = flags.get('late') ?? 'reject';
  if (late !== 'reject' && late !== 'carry-over') throw new Error('--late: expected reject or carry-over');
  const plan: TrainingPlan = {
    ...DEFAULT_PLAN,
    learningRate: num('lr') ?? 3,
    localEpochs: num('epochs') ?? 3,
    batchSize: num('batch') ?? DEFAULT_PLAN.batchSize,
    clipNorm: num('clip') ?? 0.5,
    localNoiseMultiplier: num('local-noise') ?? 0,
  };
  let dp: DpOptions | undefined;
  const z = num('dp-noise');
  const epsilon = num('dp-epsilon');
  const rounds = num('dp-rounds');
  if (z !== undefined && epsilon !== undefined) throw new Error('give --dp-noise or --dp-epsilon, not both');
  if (epsilon !== undefined && rounds === undefined) throw new Error('--dp-epsilon needs --dp-rounds');
  if (z !== undefined || epsilon !== undefined) {
    const expected = num('dp-expected');
    if (expected === undefined)
      throw new Error(
        `--dp-${z !== undefined ? 'noise' : 'epsilon'} needs --dp-expected (expected clients per round)`,
      );
    dp = {
      clipNorm: plan.clipNorm,
      noiseMultiplier: z ?? { epsilon: epsilon!, rounds: rounds! },
      expectedClients: expected,
      delta: num('dp-delta') ?? 1e-5,
      adaptive: flags.has('dp-adaptive') ? {} : undefined,
    };
  }
  const secureClients = num('secure-clients');
  let secureAggregation: SecureAggregationOptions | undefined;
  if (secureClients !== undefined) {
    const neighbours = num('secure-neighbours');
    const threshold =
      num('secure-threshold') ??
      majority(neighbours === undefined ? secureClients : Math.min(neighbours + 1, secureClients));
    const dpMinContributors = num('dp-min-contributors') ?? threshold;
    // Each coordinate of a clipped update is within ±C; a client's noise share has std z·C/√k.
    const z = dp ? resolveNoiseMultiplier(dp, dp.samplingRate ?? num('fraction') ?? 1) : 0;
    const share = z / Math.sqrt(dpMinContributors);
    secureAggregation = {
      maxClients: secureClients,
      threshold,
      range: num('secure-range') ?? plan.clipNorm * (1 + 6 * share),
      phaseTimeoutMs: num('secure-phase-ms'),
      dpMinContributors,
      ...(neighbours === undefined ? {} : { neighbours }),
    };
  } else {
    for (const k of [
      'secure-threshold',
      'secure-range',
      'secure-phase-ms',
      'secure-neighbours',
      'dp-min-contributors',
    ]) {
      if (flags.has(k)) throw new Error(`--${k} needs --secure-clients (secure aggregation)`);
    }
  }
  return {
    secureAggregation,
    port: num('port') ?? DEFAULT_FEDERATED_PORT,
    initialWeights: baselineVector(),
    strategy: parseStrategySpec(flags.get('strategy') ?? 'fedavg'),
    mode,
    minClients: num('min-clients'),
    maxClients: num('max-clients'),
    samplingFraction: num('fraction'),
    roundDeadlineMs: num('deadline-ms'),
    latePolicy: late,
    bufferSize: num('buffer'),
    maxStaleness: num('max-staleness'),
    maxUpdateNorm: num('max-norm'),
    seed: num('seed'),
    plan,
    dp,
    publishPath: flags.get('publish'),
  };
}

export async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseFlags>;
  try {
    options = parseFlags(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const config = loadConfig(process.env, 'aggregator');
  // Its certificate is aggregator.crt unless PARLEY_TLS_IDENTITY says otherwise.
  setDefaultIdentity('aggregator');
  const log = createLogger('federated', config.logLevel);
  const metrics = await startMetricsEndpoint(config, log);
  const service = await startFederatedAggregator({ ...options, config, log });
  // Listening for the signals before the ready line: a launcher may send one as soon as it reads it.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // The ready line every `parley serve` prints (bin/spawn.ts ReadyLine), so launchers start it alike.
  const ready: Record<string, unknown> = { service: 'federated', address: service.address, pid: process.pid };
  if (metrics) ready.metrics = metrics.address;
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  await stopped;
  await service.close();
  await metrics?.close();
  return 0;
}
