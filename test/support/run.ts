/**
 * A `parley` command as a child process, its output kept: for tests of the
 * CLI as a user runs it (compiled, as `npm start` does, or from the sources).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { parleyArgv, type Runtime } from '../../bin/spawn';

export interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

export function runParley(args: string[], env: NodeJS.ProcessEnv, runtime?: Runtime): Run {
  const child = spawn(process.execPath, parleyArgv(args, runtime), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}
