/**
 * One scenario of the experiment in a worker thread: run.ts runs the
 * scenarios side by side (--jobs), each in its own thread with its own
 * TF.js. The worker gets the options, the scenario file and whether it is
 * the first (which also runs the side studies); it posts each progress step,
 * then the scenario's result and the TF.js backend it ran on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ExperimentOptions, runScenarioAlone, type WorkerMessage } from './run';

const { o, file, first } = workerData as { o: ExperimentOptions; file: string; first: boolean };
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const { result, backend } = await runScenarioAlone(o, file, first, {
  step: (label, amount) => post({ step: label, amount: amount ?? 1 }),
});
post({ result, backend });
