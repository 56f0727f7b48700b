/**
 * The one way parley opens a Redis connection (the Redis adapters of every
 * port share it), from REDIS_URL:
 *
 *   redis://[user:password@]host:port[/db]          one Redis (or a primary), as ioredis reads the URL
 *   rediss://…                                      the same over TLS
 *   redis+cluster://[user:password@]host:port[,host:port…]   a Redis Cluster (ioredis' Cluster client);
 *   rediss+cluster://…                              the same over TLS
 *
 * The cluster's nodes listed are where the client starts: it learns the
 * rest of the cluster from any of them (list a few, so one being down does
 * not stop a start-up). Every key a Lua script or a MULTI touches carries
 * the same hash tag, so each of them touches one slot (the key layout:
 * docs/operations.md, "State"). Auto-pipelining batches the many small
 * commands of concurrent decisions into few round trips (per node on a
 * cluster).
 */
import { Cluster, Redis as SingleRedis } from 'ioredis';

/** A connection to one Redis or to a Redis Cluster: the adapters use what both answer alike. */
export type Redis = SingleRedis | Cluster;

export interface ClusterTarget {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\/(.*)$/;

/**
 * The nodes (and credentials) of a `redis+cluster://` URL; null for any
 * other URL. Throws an Error naming REDIS_URL when the node list is not
 * host:port pairs.
 */
export function clusterTarget(url: string): ClusterTarget | null {
  const m = CLUSTER_SCHEME.exec(url);
  if (!m) return null;
  const rest = m[2]!;
  const at = rest.lastIndexOf('@');
  const auth = at < 0 ? '' : rest.slice(0, at);
  const hosts = (at < 0 ? rest : rest.slice(at + 1)).replace(/\/$/, '');
  const bad = (why: string) =>
    new Error(`REDIS_URL: expected ${m[1]}+cluster://[user:password@]host:port[,host:port…], ${why}`);
  if (hosts === '') throw bad('got no node');
  const nodes = hosts.split(',').map((h) => {
    const hp = /^(\[[^\]]+\]|[^:/?#\s]+):(\d{1,5})$/.exec(h.trim());
    const port = Number(hp?.[2]);
    if (!hp || port < 1 || port > 65535) throw bad(`got node "${h}"`);
    return { host: hp[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  const target: ClusterTarget = { nodes, tls: m[1] === 'rediss' };
  if (auth) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
    if (colon >= 0) target.password = decodeURIComponent(auth.slice(colon + 1));
    if (user) target.username = user;
  }
  return target;
}

export function createRedis(url: string): Redis {
  const cluster = clusterTarget(url);
  if (!cluster) {
    return new SingleRedis(url, {
      enableAutoPipelining: true,
      maxRetriesPerRequest: 2,
      lazyConnect: false,
    });
  }
  return new Cluster(cluster.nodes, {
    enableAutoPipelining: true,
    // A command sent while its master fails over is retried every 100 ms up
    // to 50 times (ioredis: keep retryDelayOnFailover × maxRedirections above
    // cluster-node-timeout, or commands fail during a failover).
    retryDelayOnFailover: 100,
    maxRedirections: 50,
    redisOptions: {
      maxRetriesPerRequest: 2,
      ...(cluster.username ? { username: cluster.username } : {}),
      ...(cluster.password ? { password: cluster.password } : {}),
      ...(cluster.tls ? { tls: {} } : {}),
    },
  });
}

/** The connection as one Redis's, for tools that need one server's socket; throws for a cluster. */
export function singleNode(redis: Redis): SingleRedis {
  if (redis instanceof Cluster) throw new Error('expected a single Redis, got a Redis Cluster connection');
  return redis;
}
