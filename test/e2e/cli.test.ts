/**
 * The CLI as a newcomer uses it, compiled as `npm start` runs it: `npm run
 * build` succeeds, then `node dist/bin/parley.js mesh` starts the five
 * services (the three agents, the admin service with its dashboard, the
 * broker), each a compiled process without tsx, and prints where they
 * listen, `traffic --duration 2` against it shows decisions flowing with
 * their "why" (and the admin service records every one), and Ctrl-C
 * (SIGINT) stops everything, leaving no process behind. Every port is a free
 * one (metrics too: the mesh gives each child a free metrics port when
 * PARLEY_METRICS_PORT is unset), never a fixed default. As on a fresh
 * machine, the mesh finds no certificates (an empty PARLEY_TLS_DIR, standing
 * for .parley/tls), makes development ones and runs mutual TLS; traffic and
 * decide call it with the ad-server certificate. (The other e2e tests start
 * services from the sources, through tsx, in plaintext.)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARLEY_BINS, portEnv, SERVICES, type ServiceName } from '../../bin/spawn';
import { DEFAULT_CATALOGUE, DEFAULT_METRICS_PORTS } from '../../services/common/config';
import { PROJECT_ROOT } from '../../services/common/paths';
import { freePort } from '../support/ports';
import { type Run, runParley } from '../support/run';

/** `npm run build`, as `npm start` runs it first (incremental: quick when dist/ is up to date). */
function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', 'build', '--silent'],
      { cwd: PROJECT_ROOT, timeout: 240_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`npm run build failed: ${err.message}\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

/** The compiled `parley` command. */
const run = (args: string[], env: NodeJS.ProcessEnv): Run => runParley(args, env, 'compiled');

async function until(what: string, ok: () => boolean, timeoutMs: number, debug: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${debug()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A process's command line (Linux /proc). */
function argvOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The mesh's certificates: none at first, as on a fresh machine's .parley/tls. */
const tlsDir = join(mkdtempSync(join(tmpdir(), 'parley-cli-')), 'tls');

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PARLEY_HOST: '127.0.0.1',
    PARLEY_TLS_DIR: tlsDir,
    ...extra,
  };
}

describe('the parley CLI', () => {
  const started: Run[] = [];
  const servers: Server[] = [];

  beforeAll(build, 300_000);

  afterAll(async () => {
    for (const r of started) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    for (const s of servers) s.close();
    rmSync(join(tlsDir, '..'), { recursive: true, force: true });
  });

  it('mesh makes certificates and starts over mTLS, printing its addresses; traffic shows decisions; a crashed agent comes back; SIGINT stops everything', async () => {
    expect(existsSync(tlsDir)).toBe(false);
    const ports = {} as Record<ServiceName, number>;
    const env: Record<string, string> = {};
    for (const name of SERVICES) {
      ports[name] = await freePort();
      env[portEnv(name)] = String(ports[name]);
    }
    const dashboardPort = await freePort();
    env.PARLEY_ADMIN_HTTP_PORT = String(dashboardPort);
    // Fewer warm-up decisions than the default, still far more than traffic sends below.
    env.PARLEY_WARMUP_DECISIONS = '300';
    const mesh = run(['mesh'], baseEnv(env));
    started.push(mesh);
    const debug = () => `stdout:\n${mesh.stdout()}\nstderr:\n${mesh.stderr()}`;
    await until('the mesh table', () => mesh.stdout().includes('Ctrl-C stops the mesh'), 45_000, debug);

    const out = mesh.stdout();
    expect(out).toContain('parley mesh is up');
    // Development certificates made for it, one per service and caller; mutual TLS, no plaintext warning.
    expect(out).toContain(`gRPC: mutual TLS, certificates in ${tlsDir}`);
    for (const f of ['ca.crt', 'broker.crt', 'broker.key', 'context.crt', 'ad-server.crt', 'operator.crt'])
      expect(existsSync(join(tlsDir, f)), f).toBe(true);
    expect(mesh.stderr()).not.toContain('PLAINTEXT');
    // Warmed with dry runs before saying so; none of them is in the decision log (checked below).
    expect(mesh.stderr()).toMatch(/^warmed up: 300 dry-run decisions in [\d.]+ s/m);
    expect(out).toContain('state: embedded');
    // The default catalogue, found from dist/ at the project's root.
    expect(out).toContain(`catalogue: ${DEFAULT_CATALOGUE}`);
    expect(out).toContain('npm run traffic');
    const pids: number[] = [];
    for (const name of SERVICES) {
      const row = new RegExp(`^\\s+${name}\\s+127\\.0\\.0\\.1:${ports[name]}\\s+pid (\\d+)`, 'm').exec(out);
      expect(row, `${name} row in\n${out}`).not.toBeNull();
      pids.push(Number(row![1]));
    }
    expect(new Set(pids).size, 'one process per service').toBe(SERVICES.length);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    // Every service runs the compiled command with plain node: no tsx loader.
    for (const [i, name] of SERVICES.entries()) {
      const argv = argvOf(pids[i]!);
      expect(argv.slice(1), name).toEqual([PARLEY_BINS.compiled, 'serve', name]);
      expect(argv.join(' '), name).not.toContain('tsx');
    }
    expect(out).toMatch(
      new RegExp(`^\\s+admin\\s+127\\.0\\.0\\.1:${ports.admin}\\s+pid \\d+\\s+parley\\.v1\\.Admin\\b`, 'm'),
    );
    // Each service its own metrics endpoint, on a free port (none set, so none fixed).
    const metrics = SERVICES.map((name) => {
      const m = new RegExp(`^\\s+${name}\\s+http://127\\.0\\.0\\.1:(\\d+)/metrics$`, 'm').exec(out);
      expect(m, `${name} metrics row in\n${out}`).not.toBeNull();
      return Number(m![1]);
    });
    expect(new Set(metrics).size, 'distinct metrics ports').toBe(SERVICES.length);
    for (const [i, name] of SERVICES.entries()) {
      expect(metrics[i], `${name}: not its fixed default metrics port`).not.toBe(DEFAULT_METRICS_PORTS[name]);
    }
    // The dashboard, on the port asked for, with the dev tokens made for this run.
    const dashboard = `http://127.0.0.1:${dashboardPort}/`;
    expect(out).toContain(`dashboard: ${dashboard}`);
    const viewer = /\(viewer: (\S+)\)/.exec(out)?.[1];
    expect(viewer, out).toBeDefined();
    const page = await fetch(dashboard);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    await page.arrayBuffer();
    // Children's logs come out prefixed and readable, not as raw JSON.
    await until('a prefixed log line', () => /^broker\s+│ /m.test(mesh.stderr()), 5000, debug);
    expect(mesh.stderr()).not.toMatch(/^\{"t":/m);

    const traffic = run(
      ['traffic', '--duration', '2', '--rate', '25', '--seed', '7', '--target', `127.0.0.1:${ports.broker}`],
      baseEnv(),
    );
    started.push(traffic);
    expect(await traffic.exited, traffic.stderr()).toBe(0);
    const t = traffic.stdout();
    expect(t).toContain('dec/s');
    expect(t).toMatch(/^\s+1s\s+\d/m); // a progress line after the first second
    expect(t).toMatch(/sample: .+→ .+ in [\d.]+ ms/);
    expect(t).toMatch(/why: \S/);
    const done = /done: (\d+) decisions .* errors 0/.exec(t);
    // Answers after the request's deadline are too late for an ad server: the summary says how many.
    expect(t).toMatch(/p99 [\d.]+ ms, after the 100 ms deadline [\d.]+%, degraded /);
    expect(done, t).not.toBeNull();
    expect(Number(done![1])).toBeGreaterThanOrEqual(40); // 25/s for 2 s, minus a little start-up
    expect(t).not.toContain('!!');

    // The broker reported every decision to the admin service (recording is asynchronous).
    const recorded = async () => {
      const res = await fetch(`${dashboard}api/decisions?limit=500`, {
        headers: { authorization: `Bearer ${viewer}` },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { decisions: unknown[] }).decisions.length;
    };
    let n = await recorded();
    for (const end = Date.now() + 5000; n < Number(done![1]) && Date.now() < end; n = await recorded())
      await new Promise((r) => setTimeout(r, 100));
    expect(n, 'decision records in the admin service: the traffic, not the warm-up').toBe(Number(done![1]));

    // A crashed agent is started again (with backoff) and the broker uses it again.
    const context = SERVICES.indexOf('context');
    process.kill(pids[context]!, 'SIGKILL');
    await until(
      'the context agent to restart',
      () => /^context restarted: pid (\d+)/m.test(mesh.stderr()),
      15_000,
      debug,
    );
    expect(mesh.stderr()).toMatch(
      /the context \(pid \d+\) was killed by SIGKILL; .*restarting it in 0\.5 s \(restart 1\)/,
    );
    pids[context] = Number(/^context restarted: pid (\d+)/m.exec(mesh.stderr())![1]);
    expect(alive(pids[context]!)).toBe(true);
    // It says what the restart lost: embedded sessions.
    expect(mesh.stderr()).toMatch(
      /the context restarted: its embedded state is gone .*sessions start afresh/,
    );

    // The admin service's overrides outlive its crash (this run's journal), and the broker keeps them.
    const editor = /editor token (\S+)/.exec(out)?.[1];
    const asEditor = { authorization: `Bearer ${editor}`, 'content-type': 'application/json' };
    const created = await fetch(`${dashboard}api/overrides`, {
      method: 'POST',
      headers: asEditor,
      body: JSON.stringify({ kind: 'pause', targetId: 'stride-run-club', reason: 'before the crash' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const admin = SERVICES.indexOf('admin');
    process.kill(pids[admin]!, 'SIGKILL');
    await until(
      'the admin service to restart',
      () => /^admin restarted: pid/m.test(mesh.stderr()),
      15_000,
      debug,
    );
    expect(mesh.stderr()).toMatch(
      /the admin restarted: its overrides and audit log came back from \S+overrides\.jsonl/,
    );
    pids[admin] = Number(/^admin restarted: pid (\d+)/m.exec(mesh.stderr())![1]);
    const listed = async () => {
      const res = await fetch(`${dashboard}api/overrides`, { headers: asEditor });
      return ((await res.json()) as { overrides: Array<{ targetId: string; reason: string }> }).overrides;
    };
    let overrides: Array<{ targetId: string; reason: string }> = [];
    for (const end = Date.now() + 10_000; overrides.length === 0 && Date.now() < end; )
      overrides = await listed().catch(() => []);
    expect(overrides.map((o) => [o.targetId, o.reason])).toEqual([['stride-run-club', 'before the crash']]);
    const decideOnce = async () => {
      const d = run(['decide', '--target', `127.0.0.1:${ports.broker}`], baseEnv());
      await d.exited;
      return d.stdout();
    };
    let answer = await decideOnce();
    for (const end = Date.now() + 20_000; !/^degraded: none$/m.test(answer) && Date.now() < end; )
      answer = await decideOnce();
    expect(answer).toMatch(/^degraded: none$/m);
    // The broker knows its callers: an operator's certificate may not Decide.
    const operator = run(
      ['decide', '--target', `127.0.0.1:${ports.broker}`],
      baseEnv({ PARLEY_TLS_IDENTITY: 'operator' }),
    );
    expect(await operator.exited).toBe(1);
    expect(operator.stderr()).toContain('Decide failed: PERMISSION_DENIED');
    expect(operator.stderr()).toContain('caller "operator" has role operator; needs ad-server');

    mesh.child.kill('SIGINT');
    expect(await mesh.exited, debug()).toBe(0);
    await until('every service to exit', () => pids.every((p) => !alive(p)), 5000, debug);
    await expect(fetch(dashboard), 'the dashboard is gone').rejects.toThrow();
  }, 120_000);

  it('serve exits non-zero with a one-line reason when it cannot start', async () => {
    const port = await freePort();
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const serve = run(
      ['serve', 'context'],
      baseEnv({ PARLEY_CONTEXT_PORT: String(port), PARLEY_PLAINTEXT: '1' }),
    );
    started.push(serve);
    expect(await serve.exited).toBe(1);
    expect(serve.stderr()).toMatch(/^parley serve context: could not start: .+$/m);
    expect(serve.stdout()).toBe('');
  });

  it('mesh refuses a bad PARLEY_WARMUP_DECISIONS naming it, before starting anything', async () => {
    const mesh = run(['mesh'], baseEnv({ PARLEY_WARMUP_DECISIONS: 'lots' }));
    started.push(mesh);
    expect(await mesh.exited).not.toBe(0);
    expect(mesh.stderr()).toContain('PARLEY_WARMUP_DECISIONS must be a whole number of decisions');
    expect(mesh.stdout()).not.toContain('parley mesh is up');
  });

  it('lists every command with its flags and what it does, none running into the next column', async () => {
    const help = run(['--help'], baseEnv());
    started.push(help);
    expect(await help.exited).toBe(0);
    const lines = help.stdout().split('\n');
    // A command's flags and its description are two columns: never one run-on word between them.
    for (const l of lines) expect(l, l).not.toMatch(/\][a-z]/);
    for (const command of ['serve', 'mesh', 'traffic', 'experiment', 'federated-eval'])
      expect(lines.some((l) => l.startsWith(`  ${command} `))).toBe(true);
  });

  it('rejects an unknown service or flag with usage', async () => {
    const bad = run(['serve', 'nonsense'], baseEnv());
    started.push(bad);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain(`serve: expected one of ${SERVICES.join(', ')}`);
    expect(bad.stderr()).toContain('usage: parley');
  });
});
