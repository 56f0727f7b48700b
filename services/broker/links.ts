/**
 * The broker's ports over gRPC: one AgentPool per registered agent (one
 * coalescing Agent.Negotiate stream per replica, calls balanced over them:
 * common/grpc/agent-pool.ts), and for each of its roles the port the
 * negotiation calls. Every reply is validated; a malformed
 * reply is that agent's failure (an RpcError), never a crash of the broker.
 */
import * as grpc from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { Config } from '../common/config';
import { AgentPool } from '../common/grpc/agent-pool';
import type { CallKind, CallReplyIn, CallRequest } from '../common/grpc/agent-stream';
import { messageOf, RpcError } from '../common/grpc/errors';
import type { Logger } from '../common/log';
import type { AgentEntry } from '../common/registry';
import { AGENT_NEGOTIATE, ATTR } from '../common/semconv';
import { childSpan, endSpan, SpanKind, traceparentOf, tracestateOf } from '../common/tracing';
import {
  ackFromWire,
  assessRequestToWire,
  commitRequestToWire,
  commitResultsFromWire,
  critiqueFromWire,
  critiqueRequestToWire,
  outcomesToWire,
  proposalFromWire,
  proposeRequestToWire,
  releaseToWire,
} from '../common/wire/agent';
import { snapshotFromWire } from '../common/wire/common';
import { type NegotiationAgents, type OutcomePorts, specOf } from './ports';

/** A reply that does not honour the contract: the agent failed. */
export function malformed(agent: string, err: unknown): RpcError {
  return new RpcError(grpc.status.INTERNAL, `${agent} agent sent a malformed reply: ${messageOf(err)}`);
}

function validated<T>(agent: string, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    throw malformed(agent, err);
  }
}

/**
 * One call on `link`, under a client span when the decision is sampled
 * (named and labelled as Agent/Negotiate, with the call kind; its status
 * code is the call's: 4 when it timed out).
 */
async function traced<K extends CallKind>(
  link: AgentPool,
  kind: K,
  body: CallRequest[K],
  timeoutMs: number,
  parent: Span | null,
  round?: number,
): Promise<CallReplyIn[K]> {
  const span = childSpan(parent, AGENT_NEGOTIATE, link.spanAttributes[kind], SpanKind.CLIENT);
  if (!span) return link.call(kind, body, timeoutMs);
  if (round !== undefined) span.setAttribute(ATTR.round, round);
  try {
    const reply = await link.call(kind, body, timeoutMs, traceparentOf(span), tracestateOf(span));
    span.setAttribute(ATTR.rpcStatusCode, grpc.status.OK);
    endSpan(span);
    return reply;
  } catch (err) {
    span.setAttribute(ATTR.rpcStatusCode, (err as RpcError).code ?? grpc.status.UNKNOWN);
    endSpan(span, err);
    throw err;
  }
}

export interface AgentLinks {
  agents: NegotiationAgents;
  outcomes: OutcomePorts;
  /** The agents whose channel is not connected (a decision now would wait for them, or degrade). */
  notReady(): string[];
  close(): void;
}

/** Links to every agent of the registry; streams open on the first call and reopen after a break. */
export function connectAgents(
  config: Pick<Config, 'agents' | 'compression' | 'agentResolveMs'>,
  log?: Logger,
): AgentLinks {
  const links = new Map<string, AgentPool>();
  const linkOf = (a: AgentEntry) => {
    let link = links.get(a.name);
    if (!link) {
      link = new AgentPool(a.name, a.address, {
        compression: config.compression,
        resolveMs: config.agentResolveMs,
        ...(log ? { log } : {}),
      });
      link.connect();
      links.set(a.name, link);
    }
    return link;
  };
  const withRole = (role: AgentEntry['roles'][number]) => config.agents.filter((a) => a.roles.includes(role));

  const contextEntry = withRole('context')[0];
  const committerEntry = withRole('committer')[0];
  const agents: NegotiationAgents = {
    context: contextEntry
      ? {
          spec: specOf(contextEntry),
          async assess(signals, timeoutMs, parent) {
            const link = linkOf(contextEntry);
            const reply = await traced(link, 'assess', assessRequestToWire(signals), timeoutMs, parent);
            return validated(link.name, () => snapshotFromWire(reply, 'snapshot'));
          },
        }
      : null,
    proposers: withRole('proposer').map((a) => ({
      spec: specOf(a),
      async propose(input, timeoutMs, parent) {
        const link = linkOf(a);
        const reply = await traced(
          link,
          'propose',
          proposeRequestToWire(input),
          timeoutMs,
          parent,
          input.round,
        );
        return validated(link.name, () => proposalFromWire(reply));
      },
    })),
    critics: withRole('critic').map((a) => ({
      spec: specOf(a),
      async critique(input, timeoutMs, parent) {
        const link = linkOf(a);
        const reply = await traced(
          link,
          'critique',
          critiqueRequestToWire(input),
          timeoutMs,
          parent,
          input.round,
        );
        return validated(link.name, () => critiqueFromWire(reply));
      },
    })),
    committer: committerEntry
      ? {
          spec: specOf(committerEntry),
          async commit(input, timeoutMs, parent) {
            const link = linkOf(committerEntry);
            const reply = await traced(link, 'commit', commitRequestToWire(input), timeoutMs, parent);
            return validated(link.name, () => commitResultsFromWire(reply));
          },
          async release(requestId, reservationIds, timeoutMs) {
            const reply = await linkOf(committerEntry).call(
              'release',
              releaseToWire(requestId, reservationIds),
              timeoutMs,
            );
            return reply.released;
          },
        }
      : null,
  };

  const outcomes: OutcomePorts = {
    async record(events, timeoutMs, parent) {
      if (!committerEntry)
        return events.map(() => ({
          accepted: false,
          duplicate: false,
          settledMicros: 0,
          late: false,
          refusal: null,
        }));
      const link = linkOf(committerEntry);
      const reply = await traced(link, 'outcomes', outcomesToWire(events), timeoutMs, parent);
      if (reply.acks.length !== events.length)
        throw malformed(link.name, new Error(`${reply.acks.length} acks for ${events.length} outcomes`));
      return validated(link.name, () => reply.acks.map((a, i) => ackFromWire(a, `acks[${i}]`)));
    },
    async observe(events, timeoutMs, parent) {
      if (!contextEntry) return;
      await traced(linkOf(contextEntry), 'outcomes', outcomesToWire(events), timeoutMs, parent);
    },
  };

  // Connect now, so the first decision does not pay for it.
  for (const a of config.agents) linkOf(a);
  return {
    agents,
    outcomes,
    notReady: () => [...links.values()].filter((l) => !l.ready).map((l) => l.name),
    close() {
      for (const l of links.values()) l.close();
    },
  };
}
