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
import { parseArgs } from 'node:util';
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

export const USAGE = `usage: parley federated-client --id LISTENER [options]

  --id ID              the client: a listener of the simulated world (l0, l1, …)
  --aggregator ADDR    the aggregator's host:port (default 127.0.0.1:50056)
  --rounds N           rounds to take part in (default 1)
  --scenario FILE      simulator scenario (default sim/scenarios/default-day.yaml)
  --days N             simulated days of listening before the first round (default 1)
  --seed N             the simulated world's seed; the same for every client (default 1)
  --drop-after PHASE   go silent after join|advertise|share|upload (secure rounds; dropout drills)
  --wait-ms MS         longest wait between join attempts (default 5000)
  --delta D            δ at which the client reports the ε it spent (default 1e-5)
  --help               this text
`;

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

function positive(name: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new RangeError(
      `--${name}: expected a ${integer ? 'positive integer' : 'number > 0'}, got "${text}"`,
    );
  }
  return n;
}

/** The options, or null for --help. Throws RangeError naming the flag on bad input. */
export function parseClientFlags(argv: string[]): ClientCliOptions | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        id: { type: 'string' },
        aggregator: { type: 'string', default: '127.0.0.1:50056' },
        rounds: { type: 'string', default: '1' },
        scenario: { type: 'string', default: DEFAULT_SCENARIO },
        days: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        'drop-after': { type: 'string' },
        'wait-ms': { type: 'string', default: '5000' },
        delta: { type: 'string', default: '1e-5' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new RangeError((err as Error).message);
  }
  if (values.help) return null;
  const id = values.id as string | undefined;
  if (!id) throw new RangeError('--id is required (a listener of the simulated world, e.g. l17)');
  const drop = values['drop-after'] as string | undefined;
  if (drop !== undefined && !(DROP_POINTS as readonly string[]).includes(drop)) {
    throw new RangeError(`--drop-after: expected one of ${DROP_POINTS.join(', ')}, got "${drop}"`);
  }
  const delta = Number(values.delta);
  if (!(delta > 0 && delta < 1))
    throw new RangeError(`--delta: expected a number in (0, 1), got "${values.delta}"`);
  return {
    id,
    aggregator: values.aggregator as string,
    rounds: positive('rounds', values.rounds as string, true),
    scenario: values.scenario as string,
    days: positive('days', values.days as string, true),
    seed: Math.trunc(Number(values.seed)),
    dropAfter: drop as SecureDropPoint | undefined,
    waitMs: positive('wait-ms', values['wait-ms'] as string, false),
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
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Under mTLS the client shows the certificate named after its client_id (OU federated-client).
  setDefaultIdentity(options.id);
  try {
    return await runClient(options, (line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`federated-client: ${(err as Error).message}\n`);
    return err instanceof RangeError ? 2 : 1;
  }
}
