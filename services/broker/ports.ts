/**
 * What the broker needs from each agent, in domain types. The gRPC clients
 * (clients.ts) implement these over the multiplexed streams; unit tests use
 * in-memory fakes. `timeoutMs` is this hop's share of the decision deadline;
 * an implementation rejects (never hangs) when it cannot answer in time.
 */
import type {
  CommitInput,
  CommitResult,
  Counter,
  EvaluateInput,
  OutcomeEventInput,
  Proposal,
  ProposeInput,
  Signals,
  Snapshot,
} from '../common/domain/types';

export interface ContextPort {
  assess(signals: Signals, timeoutMs: number): Promise<Snapshot>;
  observe(o: {
    sessionId: string;
    adServed: boolean;
    adSkipped: boolean;
    adCompleted: boolean;
  }): Promise<void>;
}

export interface InventoryPort {
  propose(input: ProposeInput, timeoutMs: number): Promise<Proposal>;
}

export interface ObjectivePort {
  evaluate(input: EvaluateInput, timeoutMs: number): Promise<Counter>;
  commit(input: CommitInput, timeoutMs: number): Promise<CommitResult[]>;
  recordOutcome(
    event: OutcomeEventInput,
    timeoutMs: number,
  ): Promise<{ accepted: boolean; duplicate: boolean; settledMicros: number }>;
}
