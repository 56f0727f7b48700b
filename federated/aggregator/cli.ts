/**
 * `parley federated [flags]` (--help lists them) — runs the FederatedAggregator on the inventory
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
import { type CommandSpec, type Flag, helpText, parseCommand } from '../../services/common/cli';
import { loadConfig } from '../../services/common/config';
import { setDefaultIdentity } from '../../services/common/grpc/tls';
import { createLogger } from '../../services/common/log';
import { startMetricsEndpoint } from '../../services/common/metrics';
import { initTelemetry } from '../../services/common/telemetry';
import { DEFAULT_PLAN, type TrainingPlan } from '../client/learner';
import { baselineVector } from '../client/model';
import { type DpOptions, resolveNoiseMultiplier } from './coordinator';
import { majority, type SecureAggregationOptions } from './secure';
import { DEFAULT_FEDERATED_PORT, type StartFederatedOptions, startFederatedAggregator } from './server';
import { parseStrategySpec } from './strategy-config';

const n = (help: string): Flag => ({ value: 'N', help });

export const FEDERATED_COMMAND: CommandSpec = {
  usage: 'parley federated [options]',
  summary:
    'Runs the federated aggregator on the inventory policy until SIGINT/SIGTERM (federated/README.md).\nHost, Redis, policy path and log level come from the environment like every service.',
  flags: {
    port: { value: 'N', help: 'gRPC port', default: String(DEFAULT_FEDERATED_PORT) },
    strategy: {
      value: 'S',
      help: 'fedavg|fedadam|median|trimmed-mean[:beta=0.2]|multi-krum:byzantine=f',
      default: 'fedavg',
    },
    mode: { value: 'M', help: 'sync or async rounds', default: 'sync' },
    'min-clients': n('fewest clients a round closes with'),
    'max-clients': n('most clients a round takes'),
    fraction: n('share of the joined clients sampled per round'),
    'deadline-ms': n('round deadline'),
    late: { value: 'P', help: 'a late update: reject or carry-over', default: 'reject' },
    buffer: n('async: updates per aggregation'),
    'max-staleness': n('async: oldest update taken, in versions'),
    'max-norm': n('largest update norm accepted'),
    lr: { value: 'X', help: 'clients: learning rate', default: '3' },
    epochs: { value: 'N', help: 'clients: local epochs', default: '3' },
    batch: n('clients: batch size'),
    clip: { value: 'C', help: 'clients: clip norm', default: '0.5' },
    'local-noise': { value: 'Z', help: 'clients: local DP noise multiplier', default: '0' },
    'dp-noise': { value: 'Z', help: 'central DP noise multiplier (or --dp-epsilon)' },
    'dp-epsilon': { value: 'E', help: 'calibrate the noise so that --dp-rounds spend at most ε = E' },
    'dp-rounds': n('rounds --dp-epsilon budgets for'),
    'dp-expected': n('expected clients per round (needed with DP)'),
    'dp-delta': { value: 'D', help: 'DP δ', default: '1e-5' },
    'dp-adaptive': { help: 'adaptive clipping' },
    publish: { value: 'FILE', help: 'where the aggregated policy goes', default: 'PARLEY_POLICY_PATH' },
    seed: n('seed of the client sampling'),
    'secure-clients': n('secure aggregation with this many clients'),
    'secure-threshold': n('secure: shares needed (default a majority)'),
    'secure-range': { value: 'R', help: 'secure: value range (default the clip norm + 6 noise sds)' },
    'secure-phase-ms': n('secure: time per phase'),
    'secure-neighbours': n('secure: each client masks with k neighbours (SecAgg+), not all'),
    'dp-min-contributors': n('secure: fewest clients the DP noise is split over'),
  },
};

/** The aggregator's options, or null for --help; an error names a bad flag. */
export function parseFlags(argv: string[]): Omit<StartFederatedOptions, 'config' | 'log'> | null {
  const args = parseCommand(argv, FEDERATED_COMMAND);
  if (!args) return null;
  const values = args.values;
  const flags = new Map(
    Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  if (values['dp-adaptive']) flags.set('dp-adaptive', '1');
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
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    process.stderr.write(`parley federated: ${(err as Error).message}\n\n${helpText(FEDERATED_COMMAND)}`);
    return 2;
  }
  if (!parsed) {
    process.stdout.write(helpText(FEDERATED_COMMAND));
    return 0;
  }
  const options = parsed;
  const config = loadConfig(process.env, 'aggregator');
  // Its certificate is aggregator.crt unless PARLEY_TLS_IDENTITY says otherwise.
  setDefaultIdentity('aggregator');
  let telemetry: { shutdown(): Promise<void> };
  try {
    // Spans named like every service's (parley-<name>), exported when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    telemetry = initTelemetry({ serviceName: 'parley-aggregator', otlpEndpoint: config.otlpEndpoint });
  } catch (err) {
    process.stderr.write(`parley federated: bad configuration: ${(err as Error).message}\n`);
    return 2;
  }
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
  await telemetry.shutdown();
  return 0;
}
