/**
 * What the broker needs from the agents, by role, in domain types. The gRPC
 * links (links.ts) implement these over each agent's Agent.Negotiate stream;
 * unit tests and the simulator use in-memory agents. Every port carries its
 * registry entry's negotiation fields (name, share of the deadline,
 * fail-small default, utility term), so the negotiation knows roles and
 * never names an agent.
 *
 * `timeoutMs` is this hop's share of the decision deadline: an
 * implementation rejects (never hangs) when it cannot answer by then.
 * `parent` is the decision's span when the decision is sampled (null
 * otherwise): a link makes its client span under it.
 */
import type { Span } from '@opentelemetry/api';
import type { ChargeRefusal } from '../common/domain/outcomes';
import type {
  CommitInput,
  CommitResult,
  Critique,
  CritiqueInput,
  OutcomeEventInput,
  Proposal,
  ProposeInput,
  Signals,
  Snapshot,
} from '../common/domain/types';
import type { AgentEntry, FailSmall } from '../common/registry';

/** What the negotiation knows of an agent (its registry entry). */
export interface AgentSpec {
  name: string;
  /** The most of the decision's usable time one call may take, in (0, 1]. */
  share: number;
  failSmall: FailSmall;
  /** Its term of the joint utility ('' for a context agent). */
  term: string;
}

export function specOf(a: AgentEntry): AgentSpec {
  return { name: a.name, share: a.share, failSmall: a.failSmall, term: a.term };
}

export interface ContextAgentPort {
  spec: AgentSpec;
  assess(signals: Signals, timeoutMs: number, parent: Span | null): Promise<Snapshot>;
}

export interface ProposerPort {
  spec: AgentSpec;
  propose(input: ProposeInput, timeoutMs: number, parent: Span | null): Promise<Proposal>;
}

export interface CriticPort {
  spec: AgentSpec;
  critique(input: CritiqueInput, timeoutMs: number, parent: Span | null): Promise<Critique>;
}

export interface CommitterPort {
  spec: AgentSpec;
  commit(input: CommitInput, timeoutMs: number, parent: Span | null): Promise<CommitResult[]>;
  /** Gives back reservations (empty ids: every reservation of the request); resolves with how many. */
  release(requestId: string, reservationIds: string[], timeoutMs: number): Promise<number>;
}

/** The agents of one negotiation, by role (registry order within a role). */
export interface NegotiationAgents {
  context: ContextAgentPort | null;
  proposers: ProposerPort[];
  critics: CriticPort[];
  committer: CommitterPort | null;
}

/** What happened to one reported outcome. */
export interface OutcomeAck {
  accepted: boolean;
  duplicate: boolean;
  /** Micros this impression charged (on time, or late: see `late`). */
  settledMicros: number;
  /** Charged after its reservation had expired. */
  late: boolean;
  /** Why an impression charged nothing; null when charged, and for other events. */
  refusal: ChargeRefusal | null;
}

/** Where outcome reports go: the committer settles spend; the context agent updates the session. */
export interface OutcomePorts {
  /** Records the outcomes with the committer, in order, one ack each. */
  record(events: OutcomeEventInput[], timeoutMs: number, parent: Span | null): Promise<OutcomeAck[]>;
  /** Tells the context agent (best effort). */
  observe(events: OutcomeEventInput[], timeoutMs: number, parent: Span | null): Promise<void>;
}
