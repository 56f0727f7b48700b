/**
 * Throwaway redis-servers on free loopback ports: one (startRedis) or a
 * Redis Cluster of several (startRedisCluster), for tests (through
 * redis.ts's per-file hooks) and for benchmarks, which must not load the
 * test runner. Nothing here assumes a Redis is running.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, type Redis } from '../../services/common/state/redis';
import { freePort } from './ports';

export interface TestRedis {
  url: string;
  port: number;
  /** The redis-server's process id (0 once stopped). */
  pid(): number;
  client(): Redis;
  flush(): Promise<void>;
  /** The keys matching a pattern (KEYS), sorted. */
  keys(pattern: string): Promise<string[]>;
  /** Kills redis-server (SIGKILL: a crash) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port and directory (after kill()); resolves once it answers. */
  restart(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) redis-server: connections stay open, nothing is answered meanwhile. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /**
   * Append every write to disk before answering it (appendonly, fsync
   * always), so a kill loses nothing acknowledged and restart() brings the
   * data back, as a deployment that must not lose money runs Redis. Off by
   * default: nothing survives a restart.
   */
  durable?: boolean;
  /**
   * Ask for this password (requirepass), as the deployments do. `url` stays
   * without it (a client must give it, e.g. as REDIS_PASSWORD); `client()`
   * gives it.
   */
  password?: string;
}

/**
 * One redis-server process on a loopback port and its own directory (the
 * single Redis of startRedis, or a node of startRedisCluster). launch()
 * resolves once it answers PING; halt() stops it and waits until it is gone.
 */
class ServerProcess {
  proc: ChildProcess | null = null;
  readonly probe: Redis;

  constructor(
    readonly port: number,
    private readonly args: string[],
    /** The URL to reach it with (a password in it, if it asks for one). */
    readonly url = `redis://127.0.0.1:${port}`,
  ) {
    this.probe = createRedis(url);
    this.probe.on('error', () => undefined); // refused connections while redis-server boots or is down
  }

  /**
   * One command to this server by redis-cli, a process of its own each time
   * with a 2 s timeout: a node that does not answer fails one poll of
   * `until` instead of hanging it.
   */
  cli(...args: string[]): Promise<string> {
    return redisCli(['-p', String(this.port), ...args], 2000);
  }

  async launch(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', ...this.args], {
      stdio: 'ignore',
    });
    const started = Date.now();
    for (;;) {
      try {
        await this.probe.ping();
        return;
      } catch (err) {
        if (Date.now() - started > 10_000)
          throw new Error(`redis-server did not start: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async halt(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGCONT'); // a frozen one too
    p.kill(signal);
    await exited;
  }
}

export async function startRedis(opts: RedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const persistence = opts.durable
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const url = `redis://127.0.0.1:${port}`;
  const auth = opts.password ? ['--requirepass', opts.password] : [];
  const server = new ServerProcess(
    port,
    ['--save', '', ...persistence, '--dir', dir, ...auth],
    opts.password ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : url,
  );
  const clients: Redis[] = [server.probe];
  await server.launch();
  return {
    url,
    port,
    pid: () => server.proc?.pid ?? 0,
    client() {
      const c = createRedis(server.url);
      clients.push(c);
      return c;
    },
    flush: async () => {
      await server.probe.flushall();
    },
    keys: async (pattern) => (await server.probe.keys(pattern)).sort(),
    kill: () => server.halt('SIGKILL'),
    freeze: () => server.proc?.kill('SIGSTOP'),
    thaw: () => server.proc?.kill('SIGCONT'),
    async restart() {
      if (server.proc) throw new Error('redis-server is still running');
      await server.launch();
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await server.halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis Cluster of redis-servers on loopback ports, for one test file. */
export interface TestRedisCluster {
  /** `redis+cluster://` naming every node: what REDIS_URL would say. */
  url: string;
  /** A cluster connection (createRedis(url)), closed by stop(). */
  client(): Redis;
  /** Empties every master. */
  flush(): Promise<void>;
  /** The keys matching a pattern on every master (KEYS on each), sorted. */
  keys(pattern: string): Promise<string[]>;
  /**
   * A manual failover, as an operator does before maintenance: the replica
   * of the master serving `key` (slot 0 when none is given) runs CLUSTER
   * FAILOVER, so that master stops taking writes, the replica catches up and
   * takes its slots over. Resolves with both ports once the old master
   * follows the new one and the cluster is ok; clients meanwhile are
   * redirected (MOVED) and retry.
   */
  failover(key?: string): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Masters (the slots are split evenly among them); 3 by default, the fewest Redis Cluster accepts. */
  masters?: number;
  /** Replicas of each master (failover needs 1); 0 by default. */
  replicas?: number;
}

/** How long a node may be unreachable before the others count it as failing (a real cluster: 15 s). */
const NODE_TIMEOUT_MS = 2000;

/**
 * Why this machine cannot start a test Redis Cluster, or null when it can:
 * it needs redis-server 7 or later (`--cluster-port`) and redis-cli (Debian's
 * redis-tools; scripts/ensure-system-deps.sh installs both).
 */
export function redisClusterMissing(): string | null {
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync(bin, ['--version']).error) return `${bin} is not installed (scripts/ensure-system-deps.sh)`;
  }
  const version = /v=(\d+)\./.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout);
  if (Number(version?.[1] ?? 0) < 7) return `redis-server ${version?.[1] ?? '?'} is older than 7`;
  return null;
}

function redisCli(args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`redis-cli ${args.join(' ')}: ${stderr || stdout || err.message}`))
        : resolve(stdout),
    );
  });
}

const field = (info: string, name: string) => new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1] ?? '';

/** Polls `done` every 50 ms until it is true; throws after `ms`. */
async function until(what: string, ms: number, done: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await done().catch(() => false)) return;
    if (Date.now() - started > ms) throw new Error(`Redis Cluster: ${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `masters` × (1 + `replicas`) redis-servers with cluster mode on
 * (each on a free port, its cluster bus on another, in a temp directory, no
 * persistence) and joins them with `redis-cli --cluster create`; resolves
 * once every node sees the cluster ok and every replica is in sync.
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<TestRedisCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'parley-redis-cluster-'));
  const nodes: ServerProcess[] = [];
  const clients: Redis[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    for (const n of nodes) n.probe.disconnect();
    await Promise.all(nodes.map((n) => n.halt('SIGTERM')));
    rmSync(root, { recursive: true, force: true });
  };
  const info = (n: ServerProcess, section: string) => n.cli('INFO', section);
  /** Every node sees the cluster ok and a link to every other node (CLUSTER NODES), every replica is in sync. */
  const settled = async () => {
    for (const n of nodes) {
      if (field(await n.cli('CLUSTER', 'INFO'), 'cluster_state') !== 'ok') return false;
      const links = (await n.cli('CLUSTER', 'NODES')).trim().split('\n');
      if (links.length !== nodes.length || links.some((l) => !l.split(' ').includes('connected')))
        return false;
      const replication = await info(n, 'replication');
      if (field(replication, 'role') === 'slave' && field(replication, 'master_link_status') !== 'up')
        return false;
    }
    return true;
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      const dir = join(root, String(port));
      mkdirSync(dir);
      nodes.push(
        new ServerProcess(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(await freePort()),
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(NODE_TIMEOUT_MS),
          '--save',
          '',
          '--appendonly',
          'no',
          // A replica's first sync starts at once (the default waits 5 s for more replicas to share it).
          '--repl-diskless-sync-delay',
          '0',
          '--logfile',
          'redis.log',
          '--dir',
          dir,
        ]),
      );
    }
    await Promise.all(nodes.map((n) => n.launch()));
    await redisCli([
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await until('the cluster coming up', 30_000, settled);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  const roleOf = async (n: ServerProcess) => field(await info(n, 'replication'), 'role');
  return {
    url,
    client() {
      const c = createRedis(url);
      clients.push(c);
      return c;
    },
    async flush() {
      for (const n of nodes) if ((await roleOf(n)) === 'master') await n.cli('FLUSHALL');
    },
    async keys(pattern) {
      const out: string[] = [];
      for (const n of nodes) {
        if ((await roleOf(n)) === 'master')
          out.push(...(await n.cli('KEYS', pattern)).split('\n').filter(Boolean));
      }
      return out.sort();
    },
    async failover(key) {
      const slot = key === undefined ? 0 : Number(await nodes[0]!.cli('CLUSTER', 'KEYSLOT', key));
      let master: ServerProcess | undefined;
      let replica: ServerProcess | undefined;
      await until(`a replica in sync with the master of slot ${slot} (replicas: 1?)`, 10_000, async () => {
        master = undefined;
        for (const n of nodes) {
          if ((await roleOf(n)) !== 'master') continue;
          // CLUSTER NODES: a master's own line ('myself') ends with its slot ranges ("0-5460").
          const own = (await n.cli('CLUSTER', 'NODES')).split('\n').find((l) => l.includes('myself')) ?? '';
          for (const range of own.trim().split(' ').slice(8)) {
            const [first, last = first] = range.split('-').map(Number);
            if (first! <= slot && slot <= last!) master = n;
          }
        }
        replica = undefined;
        for (const n of nodes) {
          const replication = await info(n, 'replication');
          const following = Number(field(replication, 'master_port')) === master?.port;
          if (following && field(replication, 'master_link_status') === 'up') replica = n;
        }
        return replica !== undefined;
      });
      if (!master || !replica) throw new Error(`Redis Cluster: slot ${slot} has no replica`);
      // The replica's request to its master was seen lost (the master never logged it), and a
      // manual failover times out after 5 s: ask again each second until the replica is the
      // master. (The masters vote about one shard's failover once per 2 × node timeout: a quick
      // second one waits.)
      let asked = 0;
      await until('the replica taking over', 20_000, async () => {
        if ((await roleOf(replica!)) === 'master') return true;
        if (Date.now() - asked >= 1000) {
          asked = Date.now();
          await replica!.cli('CLUSTER', 'FAILOVER');
        }
        return false;
      });
      await until(
        'the old master following the new one',
        30_000,
        async () => (await roleOf(master!)) === 'slave',
      );
      await until('the cluster settling', 30_000, settled);
      return { from: master.port, to: replica.port };
    },
    stop,
  };
}
