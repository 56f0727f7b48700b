/**
 * `parley federated-client` — one client learner as its own process: it
 * simulates its listener's sessions on the simulator (the same world for every
 * client started with the same `--scenario`, `--days` and `--seed`; each
 * keeps only its own listener's interactions), then takes part in `--rounds`
 * rounds of the aggregator at `--aggregator`: join, train locally, upload
 * (plainly or through secure aggregation, as the round says), wait for the
 * round to close, print what happened. `--drop-after` makes it go silent after
 * a phase (dropout drills). Over mTLS it shows the certificate named after its
 * `--id` (`scripts/dev-certs.sh .parley/tls l17:federated-client`). The recipe
 * for an aggregator with N clients is in federated/README.md ("Running").
 */
import {
  type CommandSpec,
  choiceFlag,
  helpText,
  numberFlag,
  parseCommand,
  stringFlag,
  UsageError,
} from '../../services/common/cli';
import { setDefaultIdentity } from '../../services/common/grpc/tls';
import { projectPath } from '../../services/common/paths';
import { hashSeed, seededRng } from '../../services/common/rng';
import { loadScenarioFile } from '../../sim';
import { runPolicy } from '../eval/simulate';
import { ClientLearner } from './learner';
import { baselineVector } from './model';
import { FederatedClient, type ParticipateOptions, type SecureDropPoint } from './transport';

const DROP_POINTS: readonly SecureDropPoint[] = ['join', 'advertise', 'share', 'upload'];
export const DEFAULT_SCENARIO = projectPath('sim/scenarios/default-day.yaml');

export const CLIENT_COMMAND: CommandSpec = {
  usage: 'parley federated-client --id LISTENER [options]',
  summary: 'One federated client learner as its own process (federated/README.md, "Running").',
  flags: {
    id: { value: 'ID', help: 'the client: a listener of the simulated world (l0, l1, …); required' },
    aggregator: { value: 'ADDR', help: "the aggregator's host:port", default: '127.0.0.1:50056' },
    rounds: { value: 'N', help: 'rounds to take part in', default: '1' },
    scenario: { value: 'FILE', help: 'simulator scenario', default: 'sim/scenarios/default-day.yaml' },
    days: { value: 'N', help: 'simulated days of listening before the first round', default: '1' },
    seed: { value: 'N', help: "the simulated world's seed; the same for every client", default: '1' },
    'drop-after': {
      value: 'PHASE',
      help: 'go silent after join|advertise|share|upload (secure rounds; dropout drills)',
    },
    'wait-ms': { value: 'MS', help: 'longest wait between join attempts', default: '5000' },
    delta: { value: 'D', help: 'δ at which the client reports the ε it spent', default: '1e-5' },
  },
};

export interface ClientCliOptions {
  id: string;
  aggregator: string;
  rounds: number;
  scenario: string;
  days: number;
  seed: number;
  dropAfter?: SecureDropPoint;
  waitMs: number;
  delta: number;
}

/** The options, or null for --help. Throws UsageError naming the flag on bad input. */
export function parseClientFlags(argv: string[]): ClientCliOptions | null {
  const args = parseCommand(argv, CLIENT_COMMAND);
  if (!args) return null;
  const v = args.values;
  const id = stringFlag(v, 'id', '');
  if (!id) throw new UsageError('--id is required (a listener of the simulated world, e.g. l17)');
  const delta = numberFlag(v, 'delta', 1e-5);
  if (!(delta > 0 && delta < 1))
    throw new UsageError(`--delta: expected a number in (0, 1), got "${v.delta}"`);
  const waitMs = numberFlag(v, 'wait-ms', 5000);
  if (!(waitMs > 0)) throw new UsageError(`--wait-ms: expected a number > 0, got "${v['wait-ms']}"`);
  return {
    id,
    aggregator: stringFlag(v, 'aggregator', '127.0.0.1:50056'),
    rounds: numberFlag(v, 'rounds', 1, { min: 1, integer: true }),
    scenario: stringFlag(v, 'scenario', DEFAULT_SCENARIO),
    days: numberFlag(v, 'days', 1, { min: 1, integer: true }),
    seed: Math.trunc(numberFlag(v, 'seed', 1)),
    dropAfter:
      typeof v['drop-after'] === 'string' ? choiceFlag(v, 'drop-after', DROP_POINTS, 'join') : undefined,
    waitMs,
    delta,
  };
}

/** This client's own interactions from a simulated world (the same world for every client with the same flags). */
export function simulatedLearner(
  o: Pick<ClientCliOptions, 'id' | 'scenario' | 'days' | 'seed'>,
): ClientLearner {
  const scenario = { ...loadScenarioFile(o.scenario), days: o.days };
  const run = runPolicy(baselineVector(), { scenario, seed: o.seed, collect: true });
  const log = run.logs.get(o.id);
  if (!log) {
    throw new RangeError(
      `--id ${o.id}: no such listener in the simulated world (${run.logs.size} listeners, e.g. ${[...run.logs.keys()].slice(0, 3).join(', ')})`,
    );
  }
  const learner = new ClientLearner(o.id);
  for (const it of log) learner.record(it);
  return learner;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the client; progress lines go to `say`. Returns the process exit code. */
export async function runClient(o: ClientCliOptions, say: (line: string) => void): Promise<number> {
  const learner = simulatedLearner(o);
  say(`${o.id}: ${learner.log.size} interactions of its own (simulated, seed ${o.seed})`);
  const client = new FederatedClient(o.aggregator);
  const rng = seededRng(hashSeed(`${o.seed}/${o.id}`));
  let lastRound = 0;
  try {
    for (let done = 0; done < o.rounds; ) {
      const joined = await client.join(o.id);
      if (!joined.selected || joined.roundId === lastRound) {
        const wait = joined.selected ? 250 : Math.min(o.waitMs, Math.max(50, joined.retryAfterMs));
        if (!joined.selected)
          say(
            `round ${joined.roundId}: ${joined.outcome.replace('JOIN_OUTCOME_', '').toLowerCase()}; retry in ${wait} ms`,
          );
        await sleep(wait);
        continue;
      }
      const options: ParticipateOptions = o.dropAfter ? { dropAfter: o.dropAfter } : {};
      const outcome = await client.participate(learner, rng, options);
      if (outcome.status === 'no-data') throw new Error(`${o.id} has no interactions to learn from`);
      if (outcome.status === 'not-selected') continue; // the round turned over between the two joins
      lastRound = outcome.roundId;
      done++;
      say(`round ${outcome.roundId}: ${outcome.status}${joined.secure ? ' (secure aggregation)' : ''}`);
      if (outcome.status === 'dropped') break;
      const closed = await untilClosed(client, outcome.roundId);
      const privacy = closed.privacy?.enabled ? `, round ε ${closed.privacy.round_epsilon.toFixed(3)}` : '';
      say(
        `round ${outcome.roundId}: ${closed.state.replace('ROUND_STATE_', '').toLowerCase()}, ${closed.accepted} accepted${closed.failure && closed.failure !== 'ROUND_FAILURE_UNSPECIFIED' ? ` (${closed.failure.replace('ROUND_FAILURE_', '').toLowerCase()})` : ''}${privacy}; this client's ε ${learner.privacySpent(o.delta).toFixed(3)} at δ ${o.delta}`,
      );
    }
  } finally {
    client.close();
  }
  return 0;
}

async function untilClosed(client: FederatedClient, roundId: number) {
  for (;;) {
    const s = await client.status(roundId);
    if (s.state !== 'ROUND_STATE_OPEN') return s;
    await sleep(200);
  }
}

export async function main(argv: string[]): Promise<number> {
  let options: ClientCliOptions | null;
  try {
    options = parseClientFlags(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${helpText(CLIENT_COMMAND)}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(helpText(CLIENT_COMMAND));
    return 0;
  }
  // Under mTLS the client shows the certificate named after its client_id (OU federated-client).
  setDefaultIdentity(options.id);
  try {
    return await runClient(options, (line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`federated-client: ${(err as Error).message}\n`);
    return err instanceof RangeError || err instanceof UsageError ? 2 : 1;
  }
}
