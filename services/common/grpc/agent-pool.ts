/**
 * Every replica of one agent, balanced per call. An agent's address is one
 * target or several, comma-separated (`host:port[,host:port…]`). A host
 * name is resolved again every `resolveMs` to all of its addresses (a
 * Kubernetes headless Service, a compose service scaled up): each address
 * gets its own AgentLink (its own stream, see agent-stream.ts) and calls go
 * round-robin over the links that are connected. So a replica added under
 * load gets calls within `resolveMs`, and one that goes away stops getting
 * them once its stream breaks or the name stops resolving to it.
 *
 * A call that fails UNAVAILABLE (the replica's stream broke or never
 * connected: the agent did not answer) is tried once more on another
 * replica with the time it has left, except a commit, which may have
 * reserved budget before the stream broke: it fails small instead (the
 * decision falls back, the reservation expires). Every other call is safe
 * to repeat: assess, propose and critique only read, a release of a
 * released reservation releases nothing, and outcomes carry idempotency keys.
 *
 * Why not grpc-js' own `round_robin`: it balances calls, and a broker has one
 * long-lived stream per agent carrying every call, so a channel would keep
 * all of them on one replica.
 *
 * Under mutual TLS a replica dialled by address is checked against the host
 * name it was resolved from (its certificate must name that host).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import { type Logger, rateLimited } from '../log';
import { type AgentTarget, agentTargets } from '../registry';
import { AGENT_NEGOTIATE, ATTR, rpcAttributes } from '../semconv';
import {
  AgentLink,
  CALL_KINDS,
  type CallKind,
  type CallReplyIn,
  type CallRequest,
  type LinkOptions,
} from './agent-stream';
import { messageOf, RpcError } from './errors';

/** All addresses a host name resolves to (IPv4 or IPv6 literals). */
export type Resolver = (host: string) => Promise<string[]>;

export const resolveAll: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface PoolOptions extends LinkOptions {
  /** How often host names are resolved again (ms); 0 = never (grpc-js resolves the name itself). */
  resolveMs?: number;
  resolve?: Resolver;
  log?: Logger;
}

export const DEFAULT_RESOLVE_MS = 5000;

function endpointOf(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export class AgentPool {
  private readonly targets: AgentTarget[];
  /** endpoint (host:port as dialled) → its link. */
  private readonly links = new Map<string, AgentLink>();
  /** The links calls go to, in round-robin order. */
  private rotation: AgentLink[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private resolving: Promise<void> | null = null;
  private readonly mayWarn = rateLimited(10_000);
  /**
   * The client span attributes of each kind of call (rpc.* of Agent/Negotiate,
   * the call kind, the agent), built once. server.address/port name the agent
   * as configured (its first target): the logical server, whichever replica answers.
   */
  readonly spanAttributes: Readonly<Record<CallKind, Attributes>>;

  constructor(
    readonly name: string,
    readonly address: string,
    private readonly opts: PoolOptions = {},
  ) {
    this.targets = agentTargets(address);
    const first = endpointOf(this.targets[0]!.host, this.targets[0]!.port);
    this.spanAttributes = Object.fromEntries(
      CALL_KINDS.map((k) => [
        k,
        rpcAttributes(AGENT_NEGOTIATE, first, { [ATTR.agentCall]: k, [ATTR.agent]: name }),
      ]),
    ) as Record<CallKind, Attributes>;
    const resolveMs = opts.resolveMs ?? DEFAULT_RESOLVE_MS;
    if (resolveMs > 0 && this.targets.some((t) => isIP(t.host) === 0)) {
      // Calls made before the names first resolve wait for it (a few ms at start).
      this.resolving = this.resolve().then(() => {
        this.resolving = null;
        // Not resolved (e.g. DNS not up yet): dialled by name meanwhile, grpc-js resolving it.
        if (this.rotation.length === 0 && !this.closed) this.use(this.byName());
      });
      this.timer = setInterval(() => void this.resolve(), resolveMs);
      this.timer.unref();
    } else {
      this.use(this.byName());
    }
  }

  private byName(): Array<{ endpoint: string; serverName: string }> {
    return this.targets.map((t) => ({ endpoint: endpointOf(t.host, t.port), serverName: '' }));
  }

  /** Starts connecting every replica now, so the first decision does not pay for it. */
  connect(): void {
    if (this.resolving) void this.resolving.then(() => this.connect());
    for (const l of this.rotation) l.connect();
  }

  /** Some replica is connected (a call now would not wait for a connection). */
  get ready(): boolean {
    return this.rotation.some((l) => l.ready);
  }

  /** The replicas calls go to now (host:port as dialled). */
  get endpoints(): string[] {
    return [...this.links.keys()];
  }

  async call<K extends CallKind>(
    kind: K,
    body: CallRequest[K],
    timeoutMs: number,
    traceparent = '',
    tracestate = '',
  ): Promise<CallReplyIn[K]> {
    const started = performance.now();
    if (this.resolving) await this.resolving;
    if (this.rotation.length === 0) throw new RpcError(grpc.status.UNAVAILABLE, `${this.name}: closed`);
    const first = this.pick(null);
    try {
      return await first.call(kind, body, timeoutMs, traceparent, tracestate);
    } catch (err) {
      if (kind === 'commit' || !(err instanceof RpcError) || err.code !== grpc.status.UNAVAILABLE) throw err;
      const left = timeoutMs - (performance.now() - started);
      const other = this.pick(first);
      if (other === first || left < 1) throw err;
      return other.call(kind, body, left, traceparent, tracestate);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const l of this.links.values()) l.close();
    this.links.clear();
    this.rotation = [];
  }

  /** The next connected replica after the last one picked (not `avoid` when there is another). */
  private pick(avoid: AgentLink | null): AgentLink {
    const n = this.rotation.length;
    let fallback: AgentLink | null = null;
    for (let i = 0; i < n; i++) {
      const l = this.rotation[(this.next + i) % n]!;
      if (l === avoid) continue;
      if (l.ready) {
        this.next = (this.next + i + 1) % n;
        return l;
      }
      fallback ??= l;
    }
    this.next = (this.next + 1) % Math.max(1, n);
    return fallback ?? avoid ?? this.rotation[0]!;
  }

  private async resolve(): Promise<void> {
    const resolver = this.opts.resolve ?? resolveAll;
    const wanted: Array<{ endpoint: string; serverName: string }> = [];
    try {
      for (const t of this.targets) {
        if (isIP(t.host) !== 0) {
          wanted.push({ endpoint: endpointOf(t.host, t.port), serverName: '' });
          continue;
        }
        const ips = [...new Set(await resolver(t.host))];
        if (ips.length === 0) throw new Error(`${t.host} resolved to no address`);
        for (const ip of ips) wanted.push({ endpoint: endpointOf(ip, t.port), serverName: t.host });
      }
    } catch (err) {
      // Keep calling the replicas known so far.
      if (this.mayWarn())
        this.opts.log?.warn('could not resolve an agent address', {
          agent: this.name,
          address: this.address,
          error: messageOf(err),
        });
      return;
    }
    if (!this.closed) this.use(wanted);
  }

  /** Calls go to exactly these endpoints from now on; links to others close once their calls are done. */
  private use(wanted: Array<{ endpoint: string; serverName: string }>): void {
    const keep = new Set(wanted.map((w) => w.endpoint));
    for (const [endpoint, link] of this.links) {
      if (keep.has(endpoint)) continue;
      this.links.delete(endpoint);
      link.closeWhenIdle();
    }
    for (const { endpoint, serverName } of wanted) {
      if (this.links.has(endpoint)) continue;
      const link = new AgentLink(this.name, endpoint, {
        ...this.opts,
        ...(serverName ? { serverName } : {}),
      });
      link.connect();
      this.links.set(endpoint, link);
    }
    this.rotation = [...this.links.values()];
  }
}
