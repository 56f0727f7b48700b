/**
 * The broker↔agent transport (agent.proto): one long-lived Agent.Negotiate
 * stream per agent, carrying every decision's calls, several calls per
 * message. Both ends coalesce: what is sent during one turn of the event
 * loop leaves in one message (flushed by setImmediate), so under load the
 * cost of a gRPC message (serialising the frame, the HTTP/2 write, the
 * events on the other side) is paid once for many calls. When the stream
 * pushes back (write() returns false) calls keep gathering until 'drain'.
 *
 *   const link = new AgentLink('inventory', address, { compression: 'off' });
 *   const proposal = await link.call('propose', request, 30, traceparent);
 *
 *   server.addService(v1.Agent.service, { Negotiate: serveAgent({ propose: … }, log) });
 *
 * A call's handler is a plain function of the request (and a context with
 * the call's deadline and, for a sampled decision, its server span); it may
 * return the reply or a promise of it. Tracing crosses the hop only for a
 * sampled decision (traceparent in the call); otherwise no span is made.
 */
import * as grpc from '@grpc/grpc-js';
import type { Attributes, Span } from '@opentelemetry/api';
import type { AgentCall, AgentCall__Output } from '../../../proto/gen/parley/v1/AgentCall';
import type { AgentCalls, AgentCalls__Output } from '../../../proto/gen/parley/v1/AgentCalls';
import type { AgentReplies, AgentReplies__Output } from '../../../proto/gen/parley/v1/AgentReplies';
import type { AgentReply, AgentReply__Output } from '../../../proto/gen/parley/v1/AgentReply';
import type { AssessRequest, AssessRequest__Output } from '../../../proto/gen/parley/v1/AssessRequest';
import type { CommitRequest, CommitRequest__Output } from '../../../proto/gen/parley/v1/CommitRequest';
import type { CommitResponse, CommitResponse__Output } from '../../../proto/gen/parley/v1/CommitResponse';
import type { ContextSnapshot, ContextSnapshot__Output } from '../../../proto/gen/parley/v1/ContextSnapshot';
import type { Critique, Critique__Output } from '../../../proto/gen/parley/v1/Critique';
import type { CritiqueRequest, CritiqueRequest__Output } from '../../../proto/gen/parley/v1/CritiqueRequest';
import type { OutcomeRecords, OutcomeRecords__Output } from '../../../proto/gen/parley/v1/OutcomeRecords';
import type { Proposal, Proposal__Output } from '../../../proto/gen/parley/v1/Proposal';
import type { ProposeRequest, ProposeRequest__Output } from '../../../proto/gen/parley/v1/ProposeRequest';
import type { RecordAcks, RecordAcks__Output } from '../../../proto/gen/parley/v1/RecordAcks';
import type { ReleaseRequest, ReleaseRequest__Output } from '../../../proto/gen/parley/v1/ReleaseRequest';
import type { ReleaseResponse, ReleaseResponse__Output } from '../../../proto/gen/parley/v1/ReleaseResponse';
import type { Config } from '../config';
import type { Logger } from '../log';
import { observeModelVersions, type RpcRecorder, rpcRecorder } from '../metrics';
import { agentNamed } from '../registry';
import { AGENT_NEGOTIATE, ATTR, rpcAttributes } from '../semconv';
import { tracer } from '../telemetry';
import { type IoTimeout, ioTimeout } from '../timers';
import { contextOfTraceparent, endSpan, SpanKind } from '../tracing';
import { CallStream, ReplyStream } from './coalescer';
import { messageOf, RpcError, statusOf } from './errors';
import { SERVICE_NAMES, v1 } from './proto';
import { type RunningService, type StartedServer, startServer, UndecodableMessage } from './server';
import { channelCredentials } from './tls';

export const CALL_KINDS = ['assess', 'propose', 'critique', 'commit', 'release', 'outcomes'] as const;
export type CallKind = (typeof CALL_KINDS)[number];

/** What each kind of call sends, and what its reply carries (as sent and as received). */
export interface CallRequest {
  assess: AssessRequest;
  propose: ProposeRequest;
  critique: CritiqueRequest;
  commit: CommitRequest;
  release: ReleaseRequest;
  outcomes: OutcomeRecords;
}
export interface CallRequestIn {
  assess: AssessRequest__Output;
  propose: ProposeRequest__Output;
  critique: CritiqueRequest__Output;
  commit: CommitRequest__Output;
  release: ReleaseRequest__Output;
  outcomes: OutcomeRecords__Output;
}
export interface CallReply {
  assess: ContextSnapshot;
  propose: Proposal;
  critique: Critique;
  commit: CommitResponse;
  release: ReleaseResponse;
  outcomes: RecordAcks;
}
export interface CallReplyIn {
  assess: ContextSnapshot__Output;
  propose: Proposal__Output;
  critique: Critique__Output;
  commit: CommitResponse__Output;
  release: ReleaseResponse__Output;
  outcomes: RecordAcks__Output;
}

/** The field of AgentReply that answers each kind of call. */
export const REPLY_FIELD = {
  assess: 'snapshot',
  propose: 'proposal',
  critique: 'critique',
  commit: 'commit',
  release: 'release',
  outcomes: 'acks',
} as const satisfies Record<CallKind, keyof AgentReply>;

/** A call whose envelope names no timeout gets this much. */
const DEFAULT_TIMEOUT_MS = 1000;
/** Call ids wrap here (uint32), skipping 0, which means "no id". */
const MAX_CALL_ID = 0xffff_ffff;

// ---------------------------------------------------------------------------
// Client

interface Pending {
  kind: CallKind;
  resolve(reply: unknown): void;
  reject(err: Error): void;
  timer: IoTimeout;
  started: number;
}

export interface LinkOptions {
  /** gRPC per-message compression on this channel. */
  compression?: 'off' | 'gzip' | 'deflate';
  credentials?: grpc.ChannelCredentials;
  /** The name the agent's certificate must carry, when it is dialled by address (agent-pool.ts). */
  serverName?: string;
}

const COMPRESSION: Record<'gzip' | 'deflate', number> = { deflate: 1, gzip: 2 };

/** gRPC channel options for a compression setting (client or server side). */
export function compressionOptions(compression: LinkOptions['compression']): grpc.ChannelOptions {
  return !compression || compression === 'off'
    ? {}
    : { 'grpc.default_compression_algorithm': COMPRESSION[compression] };
}

/**
 * The broker's end of one agent's stream. `call` resolves with the reply's
 * payload or rejects with an RpcError: DEADLINE_EXCEEDED after `timeoutMs`,
 * UNAVAILABLE when the stream breaks (the next call opens a new one), the
 * agent's own status when it answers with an error.
 */
export class AgentLink {
  private readonly client: grpc.Client & {
    Negotiate(): grpc.ClientDuplexStream<AgentCalls, AgentReplies__Output>;
  };
  private readonly calls: CallStream<AgentCall, AgentCalls, AgentReplies__Output>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  private readonly metrics: Record<CallKind, RpcRecorder>;
  /**
   * The client span attributes of each kind of call on this link (rpc.* of
   * Agent/Negotiate, server.address/port, the call kind, the agent), built once.
   */
  readonly spanAttributes: Readonly<Record<CallKind, Attributes>>;

  constructor(
    readonly name: string,
    readonly address: string,
    opts: LinkOptions = {},
  ) {
    this.client = new v1.Agent(address, opts.credentials ?? channelCredentials(), {
      // Reconnect quickly after an agent restarts (grpc-js defaults to 1 s,
      // growing): while a channel is down calls fail fast and the decision
      // falls back.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      ...compressionOptions(opts.compression),
      ...(opts.serverName
        ? { 'grpc.ssl_target_name_override': opts.serverName, 'grpc.default_authority': opts.serverName }
        : {}),
    }) as never;
    this.metrics = Object.fromEntries(
      CALL_KINDS.map((k) => [
        k,
        rpcRecorder('client', AGENT_NEGOTIATE, { [ATTR.agent]: name, [ATTR.agentCall]: k }),
      ]),
    ) as Record<CallKind, RpcRecorder>;
    this.spanAttributes = Object.fromEntries(
      CALL_KINDS.map((k) => [
        k,
        rpcAttributes(AGENT_NEGOTIATE, address, { [ATTR.agentCall]: k, [ATTR.agent]: name }),
      ]),
    ) as Record<CallKind, Attributes>;
    this.calls = new CallStream({
      open: () => this.client.Negotiate(),
      message: (calls) => ({ calls }),
      onMessage: (msg) => {
        for (const reply of msg.replies) this.onReply(reply);
      },
      onBroken: (err) => {
        const why = new RpcError(
          grpc.status.UNAVAILABLE,
          `${this.name}: stream closed${err ? `: ${messageOf(err)}` : ''}`,
        );
        for (const id of [...this.pending.keys()]) this.settle(id, why);
      },
      // A batch of outcomes (up to 500 records, ~100 bytes each) weighs like a few calls per 16 records.
      weight: (call) => 1 + Math.floor((call.outcomes?.records?.length ?? 0) / 16),
    });
  }

  /** Starts connecting now, so the first decision does not pay for it. */
  connect(): void {
    this.client.getChannel().getConnectivityState(true);
  }

  /** The channel is connected (a call now would not wait for a connection). */
  get ready(): boolean {
    return this.client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY;
  }

  call<K extends CallKind>(
    kind: K,
    body: CallRequest[K],
    timeoutMs: number,
    traceparent = '',
    tracestate = '',
  ): Promise<CallReplyIn[K]> {
    const timeout = Math.max(1, Math.floor(timeoutMs));
    const id = this.nextId;
    this.nextId = id >= MAX_CALL_ID ? 1 : id + 1;
    return new Promise<CallReplyIn[K]>((resolve, reject) => {
      // A reply that came in time but is still unread after a stall is taken (ioTimeout).
      const timer = ioTimeout(timeout, () =>
        this.settle(
          id,
          new RpcError(grpc.status.DEADLINE_EXCEEDED, `${this.name}: no ${kind} reply within ${timeout} ms`),
        ),
      );
      this.pending.set(id, {
        kind,
        resolve: resolve as (reply: unknown) => void,
        reject,
        timer,
        started: performance.now(),
      });
      const call: AgentCall = { call_id: id, timeout_ms: timeout, [kind]: body };
      if (traceparent) {
        call.traceparent = traceparent;
        if (tracestate) call.tracestate = tracestate;
      }
      try {
        this.calls.push(call);
      } catch (err) {
        this.settle(id, new RpcError(grpc.status.UNAVAILABLE, `${this.name}: ${messageOf(err)}`));
      }
    });
  }

  /** Closes once the calls in flight are settled (at once if there are none). */
  closeWhenIdle(): void {
    this.closing = true;
    if (this.pending.size === 0) this.close();
  }

  close(): void {
    this.calls.close();
    this.client.close();
  }

  private onReply(reply: AgentReply__Output): void {
    const p = this.pending.get(reply.call_id);
    if (!p) return; // late reply after its timeout: dropped
    if (reply.error?.code) {
      this.settle(
        reply.call_id,
        new RpcError(reply.error.code, `${this.name}: ${reply.error.message || 'failed'}`),
      );
      return;
    }
    const payload = reply[REPLY_FIELD[p.kind]];
    if (reply.kind !== REPLY_FIELD[p.kind] || !payload) {
      this.settle(
        reply.call_id,
        new RpcError(
          grpc.status.INTERNAL,
          `${this.name}: answered a ${p.kind} call with ${reply.kind ?? 'nothing'}`,
        ),
      );
      return;
    }
    this.settle(reply.call_id, payload);
  }

  private settle(id: number, outcome: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.timer.clear();
    if (this.closing && this.pending.size === 0) queueMicrotask(() => this.close());
    const ms = performance.now() - p.started;
    if (outcome instanceof Error) {
      this.metrics[p.kind].record(statusOf(outcome), ms);
      p.reject(outcome);
    } else {
      this.metrics[p.kind].record(grpc.status.OK, ms);
      p.resolve(outcome);
    }
  }
}

// ---------------------------------------------------------------------------
// Server

export interface AgentCallContext {
  /** Absolute deadline of this call (epoch ms). */
  deadline: number;
  /** The call's server span when the decision is sampled; null otherwise. */
  span: Span | null;
}

type Handler<K extends CallKind> = (
  request: CallRequestIn[K],
  ctx: AgentCallContext,
) => CallReply[K] | Promise<CallReply[K]>;

/** The calls an agent answers: one handler per role's call; the others are UNIMPLEMENTED. */
export type AgentHandlers = { [K in CallKind]?: Handler<K> };

/**
 * The agent's end: serves Agent.Negotiate with `handlers`. Each call runs as
 * it arrives (calls of one message concurrently); replies leave coalesced.
 */
export function serveAgent(
  handlers: AgentHandlers,
  log: Logger,
  /** Collects a way to drain each open stream, for the server's stop (startAgentServer). */
  streams?: Set<() => void>,
): grpc.handleBidiStreamingCall<AgentCalls__Output, AgentReplies> {
  const metrics = Object.fromEntries(
    CALL_KINDS.map((k) => [k, rpcRecorder('server', AGENT_NEGOTIATE, { [ATTR.agentCall]: k })]),
  ) as Record<CallKind, RpcRecorder>;
  return (stream) => {
    // The server span attributes of each kind of call, once per stream (server.address/port from its :authority).
    const host = stream.getHost();
    const spanAttributes = Object.fromEntries(
      CALL_KINDS.map((k) => [k, rpcAttributes(AGENT_NEGOTIATE, host, { [ATTR.agentCall]: k })]),
    ) as Record<CallKind, Attributes>;
    const replies = new ReplyStream<AgentReply, AgentReplies>(stream, (replies) => ({ replies }));
    /** The server is stopping: calls that come now are refused, the stream ends once the running ones are answered. */
    let draining = false;
    const drain = () => {
      draining = true;
      replies.finish();
    };
    streams?.add(drain);
    stream.on('close', () => streams?.delete(drain));
    const failure = (id: number, code: number, message: string): AgentReply => ({
      call_id: id,
      error: { code, message },
    });
    const fail = (id: number, code: number, message: string) => replies.send(failure(id, code, message));

    const run = (call: AgentCall__Output) => {
      if (replies.ending) return; // the caller fails what it still waits for
      const id = call.call_id;
      const kind = call.kind;
      if (draining) return fail(id, grpc.status.UNAVAILABLE, 'the agent is stopping');
      if (!id) return fail(0, grpc.status.INVALID_ARGUMENT, 'call_id: required');
      if (!kind)
        return fail(id, grpc.status.INVALID_ARGUMENT, `kind: one of ${CALL_KINDS.join(', ')} is required`);
      const handler = handlers[kind] as Handler<CallKind> | undefined;
      if (!handler) return fail(id, grpc.status.UNIMPLEMENTED, `this agent does not answer ${kind} calls`);
      const started = performance.now();
      const parent = call.traceparent ? contextOfTraceparent(call.traceparent, call.tracestate) : null;
      const span = parent
        ? tracer().startSpan(
            AGENT_NEGOTIATE,
            { kind: SpanKind.SERVER, attributes: spanAttributes[kind] },
            parent,
          )
        : null;
      const ctx = { deadline: Date.now() + (call.timeout_ms || DEFAULT_TIMEOUT_MS), span };
      const done = (reply: CallReply[CallKind] | null, err?: unknown) => {
        if (err === undefined) {
          metrics[kind].record(grpc.status.OK, performance.now() - started);
          span?.setAttribute(ATTR.rpcStatusCode, grpc.status.OK);
          endSpan(span);
          replies.answer({ call_id: id, [REPLY_FIELD[kind]]: reply });
        } else {
          const code = statusOf(err);
          metrics[kind].record(code, performance.now() - started);
          span?.setAttribute(ATTR.rpcStatusCode, code);
          endSpan(span, err);
          if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN)
            log.error('agent call failed', { kind, error: messageOf(err) });
          replies.answer(failure(id, code, messageOf(err)));
        }
      };
      replies.begin();
      try {
        const r = handler(call[kind] as never, ctx);
        if (r instanceof Promise)
          r.then(
            (v) => done(v),
            (err) => done(null, err ?? new Error('rejected')),
          );
        else done(r);
      } catch (err) {
        done(null, err);
      }
    };

    stream.on('data', (msg: AgentCalls__Output | UndecodableMessage) => {
      // A stream that sends bytes that are not AgentCalls is broken: end it, naming why.
      if (msg instanceof UndecodableMessage) stream.emit('error', msg.error());
      else for (const call of msg.calls) run(call);
    });
    stream.on('end', () => replies.finish());
    stream.on('error', (err) => log.debug('agent stream error', { error: messageOf(err) }));
  };
}

/** One more gRPC service an agent serves beside Agent.Negotiate (e.g. its own service for tools). */
export interface ExtraService {
  /** Fully-qualified name (for health). */
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

/**
 * Starts an agent's server: Agent.Negotiate with `handlers`, and `extra`
 * services, on the port its registry entry (`name`) gives, with health and
 * reflection, and logs where it listens (with `details`). `close` releases
 * what the agent holds (watchers, state); it runs after the server stops, or
 * at once when the server cannot start (and the error is rethrown). `models`
 * names the model versions the agent uses now, exported as parley_model_info
 * at each scrape (a hot swap shows at the next one).
 */
export async function startAgentServer(opts: {
  config: Pick<Config, 'host' | 'agents'>;
  name: string;
  handlers: AgentHandlers;
  log: Logger;
  extra?: ExtraService[];
  close?: () => unknown;
  details?: Record<string, unknown>;
  /** Model name → the version in use now (read at scrape time). */
  models?: () => Readonly<Record<string, string>>;
}): Promise<RunningService> {
  const extra = opts.extra ?? [];
  const streams = new Set<() => void>();
  let started: StartedServer;
  try {
    started = await startServer({
      host: opts.config.host,
      port: agentNamed(opts.config.agents, opts.name).port,
      serviceNames: [SERVICE_NAMES.agent, ...extra.map((e) => e.name)],
      services: [
        [v1.Agent.service, { Negotiate: serveAgent(opts.handlers, opts.log, streams) }],
        ...extra.map((e): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation] => [
          e.definition,
          e.implementation,
        ]),
      ],
      log: opts.log,
    });
  } catch (err) {
    await opts.close?.();
    throw err;
  }
  const stopModels = opts.models ? observeModelVersions(opts.models) : () => undefined;
  opts.log.info(`${opts.name} agent listening`, { address: started.address, ...opts.details });
  return {
    name: opts.name,
    address: started.address,
    port: started.port,
    close: async () => {
      // Drains: each broker's stream ends once its running calls are answered (the broker then
      // stands in for this agent), so the server stops with nothing cut.
      for (const drain of streams) drain();
      await started.shutdown();
      stopModels();
      await opts.close?.();
    },
  };
}
