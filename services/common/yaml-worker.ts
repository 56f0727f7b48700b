/**
 * YAML parsing off the event loop. The yaml package needs 100-200 ms for the
 * benchmark's 133 kB catalogue, which would stall every decision a process
 * is serving when a watched file is reloaded; a worker thread parses it
 * instead and the event loop only receives the plain result (a structured
 * clone: about a millisecond for that catalogue).
 *
 * The worker is plain JavaScript that loads the same yaml package, so it
 * runs the same under tsx, vitest or compiled code. One short-lived worker
 * per parse: reloads are rare, and nothing is left running.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const YAML_MODULE = createRequire(import.meta.url).resolve('yaml');

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parse } = require(${JSON.stringify(YAML_MODULE)});
try {
  parentPort.postMessage({ doc: parse(workerData) });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message ? err.message : err) });
}
`;

/** What yaml's `parse(text)` returns, computed on a worker thread; rejects with its error message. */
export function parseYamlOffThread(text: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: text });
    let settled = false;
    worker.once('message', (m: { doc?: unknown; error?: string }) => {
      settled = true;
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.doc);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`YAML worker exited with code ${code}`));
    });
  });
}
