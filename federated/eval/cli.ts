/**
 * `parley federated-eval [--quick] [--out federated/REPORT.md] [--scenario path] [--rounds n] [--days n] [--seeds n] [--from results.json]` (--help)
 *
 * Runs the federated-learning evaluation on the simulator with a progress bar
 * on stderr and writes a markdown report with SVG charts (in a folder named
 * after the report). Exit code 0 when every check passes, 1 otherwise, 2 on a
 * usage error. `--quick` is the CI smoke test (< 30 s; a small run whose
 * checks are informative only). `--seeds n` sets the number of replicates
 * (at least 2; the full run has 10, --quick 3). The raw results are written
 * beside the report (`<report>.json`); `--from` renders a report from such
 * a file again without re-running anything.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toSvg } from '../../charts';
import { type CommandSpec, helpText, numberFlag, parseCommand, stringFlag } from '../../services/common/cli';
import { projectPath } from '../../services/common/paths';
import { type EvalOptions, type EvalResult, FULL, type Progress, QUICK, runEvaluation } from './experiment';
import { checks, renderReport } from './report';

export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  let total = 1;
  let done = 0;
  const t0 = performance.now();
  return {
    start(n) {
      total = n;
      done = 0;
    },
    step(label) {
      done++;
      const width = 30;
      const filled = Math.round((Math.min(done, total) / total) * width);
      const elapsed = (performance.now() - t0) / 1000;
      // The step starts now: the ones before it took `elapsed`, so the rest take about as long each.
      const left = done > 1 ? ` ~${((elapsed / (done - 1)) * (total - done + 1)).toFixed(0)}s left` : '';
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${elapsed.toFixed(0)}s${left} ${label}`;
      if (stream.isTTY) stream.write(`\r\x1b[2K${line}${done >= total ? '\n' : ''}`);
      else stream.write(`${line}\n`);
    },
  };
}

export const FEDERATED_EVAL_COMMAND: CommandSpec = {
  usage: 'parley federated-eval [options]',
  summary:
    'Federated vs central training on the simulator (plain, with differential privacy, under attack);\nwrites a markdown report with SVG charts. Exit 0 when every check passes, 1 otherwise.',
  flags: {
    quick: { help: 'the CI smoke run (< 30 s; its checks are informative only)' },
    out: { value: 'FILE', help: 'the report', default: 'federated/REPORT.md (--quick: REPORT.quick.md)' },
    scenario: { value: 'FILE', help: 'simulator scenario', default: 'sim/scenarios/default-day.yaml' },
    rounds: { value: 'N', help: 'federated rounds (>= 1)' },
    days: { value: 'N', help: 'simulated days (> 0)' },
    seeds: { value: 'N', help: 'replicates, each with its own seeds (>= 2)', default: '10 (--quick: 3)' },
    from: {
      value: 'FILE',
      help: 'render the report again from saved results (<report>.json), running nothing',
    },
  },
};

export async function main(argv: string[]): Promise<number> {
  let quick: boolean;
  let out: string;
  let scenario: string;
  let rounds: number | undefined;
  let days: number | undefined;
  let seeds: number | undefined;
  let from: string;
  try {
    const args = parseCommand(argv, FEDERATED_EVAL_COMMAND);
    if (!args) {
      process.stdout.write(helpText(FEDERATED_EVAL_COMMAND));
      return 0;
    }
    const v = args.values;
    quick = v.quick === true;
    out = stringFlag(v, 'out', '');
    scenario = resolve(stringFlag(v, 'scenario', projectPath('sim/scenarios/default-day.yaml')));
    if (typeof v.rounds === 'string') rounds = numberFlag(v, 'rounds', 0, { min: 1, integer: true });
    if (typeof v.days === 'string') days = numberFlag(v, 'days', 0, { min: Number.MIN_VALUE });
    if (typeof v.seeds === 'string') seeds = numberFlag(v, 'seeds', 0, { min: 2, integer: true });
    from = stringFlag(v, 'from', '');
  } catch (err) {
    process.stderr.write(
      `parley federated-eval: ${(err as Error).message}\n\n${helpText(FEDERATED_EVAL_COMMAND)}`,
    );
    return 2;
  }
  const base = quick ? QUICK : FULL;
  const options: EvalOptions = {
    ...base,
    scenarioPath: scenario,
    rounds: rounds ?? base.rounds,
    days: days ?? base.days,
    seeds: seeds ?? base.seeds,
  };
  const report = resolve(out || projectPath(quick ? 'federated/REPORT.quick.md' : 'federated/REPORT.md'));
  const saved = from
    ? (JSON.parse(readFileSync(from, 'utf8')) as { command: string; result: EvalResult })
    : null;
  const result = saved ? saved.result : await runEvaluation(options, progressBar());
  const chartDir = `${basename(report, '.md')}-charts`;
  const command =
    saved?.command ??
    `parley federated-eval${quick ? ' --quick' : ''}${rounds ? ` --rounds ${rounds}` : ''}${days ? ` --days ${days}` : ''}${seeds ? ` --seeds ${seeds}` : ''}`;
  mkdirSync(join(dirname(report), chartDir), { recursive: true });
  if (!saved) writeFileSync(report.replace(/\.md$/, '.json'), `${JSON.stringify({ command, result })}\n`);
  const { markdown, charts } = renderReport(result, chartDir, command);
  for (const [name, chart] of Object.entries(charts))
    writeFileSync(join(dirname(report), chartDir, name), await toSvg(chart));
  writeFileSync(report, markdown);
  const cs = checks(result);
  for (const c of cs) {
    process.stderr.write(`${c.pass ? 'pass' : c.informational ? 'info' : 'FAIL'}  ${c.name}: ${c.value}\n`);
  }
  process.stdout.write(`${report}\n`);
  return cs.every((c) => c.pass || c.informational) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
