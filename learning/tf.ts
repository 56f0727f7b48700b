/**
 * TensorFlow.js for training. The backend is picked once, at start-up, and
 * logged: the native `@tensorflow/tfjs-node` where it is installed (its
 * install downloads a binary some networks block, so it is optional and
 * loaded dynamically), else the WebAssembly backend, else plain JS (cpu).
 * Decisions never call tfjs: see linear.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../services/common/log';

export type Tf = typeof tf;
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let picked: BackendName | null = null;

/** A module name tsc does not try to resolve (the native backend is optional). */
const NATIVE = ['@tensorflow', 'tfjs-node'].join('/');

async function tryBackend(name: BackendName, load: () => Promise<unknown>): Promise<boolean> {
  try {
    await load();
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Picks the fastest backend that loads (or `prefer`, when given and it
 * loads); idempotent. PARLEY_TF_BACKEND is not read here: callers pass
 * `prefer` from their own flags.
 */
export async function initTf(
  opts: { prefer?: BackendName; log?: Logger } = {},
): Promise<{ tf: Tf; backend: BackendName }> {
  if (picked) return { tf, backend: picked };
  const order: BackendName[] = opts.prefer
    ? [opts.prefer, ...(['tensorflow', 'wasm', 'cpu'] as const).filter((b) => b !== opts.prefer)]
    : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    const ok =
      name === 'tensorflow'
        ? await tryBackend(name, () => import(/* @vite-ignore */ NATIVE))
        : name === 'wasm'
          ? await tryBackend(name, () => import('@tensorflow/tfjs-backend-wasm'))
          : await tryBackend(name, async () => undefined);
    if (ok) {
      await tf.ready();
      picked = name;
      break;
    }
  }
  if (!picked) throw new Error('no TensorFlow.js backend could be initialised');
  opts.log?.info('tensorflow.js backend', { backend: picked });
  return { tf, backend: picked };
}
