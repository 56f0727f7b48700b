/**
 * Load shedding's admission decisions (services/broker/admission.ts): plain
 * logic, no sockets, no clocks.
 */
import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionLimits, LAG_SAMPLES, shedAgents } from '../../../services/broker/admission';

const limits = (over: Partial<AdmissionLimits> = {}): AdmissionLimits => ({
  maxInFlight: 2,
  maxLagMs: 50,
  minBudgetMs: 5,
  ...over,
});

describe('Admission', () => {
  it('admits up to maxInFlight decisions at once, then sheds until one is done', () => {
    const a = new Admission(limits());
    expect(a.admit(100)).toBeNull();
    expect(a.admit(100)).toBeNull();
    expect(a.decisionsInFlight).toBe(2);
    expect(a.admit(100)).toBe('in_flight');
    // A shed decision is not in flight.
    expect(a.decisionsInFlight).toBe(2);
    a.done();
    expect(a.admit(100)).toBeNull();
    expect(a.detail('in_flight')).toBe('load shed: 2 decisions in flight (limit 2)');
  });

  /** The lag measured `n` times in a row. */
  const lagged = (a: Admission, ms: number, n = LAG_SAMPLES) => {
    for (let i = 0; i < n; i++) a.observeLag(ms);
  };

  it('sheds while the event loop lags more than maxLagMs, measurement after measurement', () => {
    const a = new Admission(limits());
    lagged(a, 80);
    expect(a.admit(1000)).toBe('event_loop_lag');
    expect(a.detail('event_loop_lag')).toBe('load shed: the event loop is 80 ms behind (limit 50 ms)');
    a.observeLag(50);
    expect(a.admit(1000)).toBeNull();
  });

  it('a single stall among calm measurements sheds nothing', () => {
    const a = new Admission(limits());
    lagged(a, 0);
    a.observeLag(400);
    expect(a.lag).toBe(0);
    expect(a.admit(1000)).toBeNull();
    // Sustained: once every latest measurement is behind, the smallest of them counts.
    lagged(a, 90, LAG_SAMPLES - 1);
    expect(a.lag).toBe(90);
    expect(a.admit(1000)).toBe('event_loop_lag');
  });

  it('sheds a decision whose time left, less the lag, is under minBudgetMs', () => {
    const a = new Admission(limits());
    lagged(a, 30);
    expect(a.admit(34)).toBe('deadline_budget');
    expect(a.admit(35)).toBeNull();
    expect(a.detail('deadline_budget')).toBe('load shed: less than 5 ms left after 30 ms of event-loop lag');
  });

  it('a limit of 0 is no limit', () => {
    const a = new Admission({ maxInFlight: 0, maxLagMs: 0, minBudgetMs: 0 });
    a.observeLag(10_000);
    for (let i = 0; i < 1000; i++) expect(a.admit(0)).toBeNull();
    expect(a.decisionsInFlight).toBe(1000);
  });

  it('never counts below zero in flight, and a negative lag reads as none', () => {
    const a = new Admission(limits({ maxInFlight: 1 }));
    a.done();
    expect(a.decisionsInFlight).toBe(0);
    a.observeLag(-5);
    expect(a.lag).toBe(0);
    expect(a.admit(100)).toBeNull();
    expect(a.admit(100)).toBe('in_flight');
  });
});

describe('shedAgents', () => {
  it("asks no agent: its one proposer fails at once with the shedding's reason, a stackless Error", async () => {
    const agents = shedAgents('load shed: 64 decisions in flight (limit 64)', 'listener');
    expect(agents).toMatchObject({ context: null, critics: [], committer: null });
    const limit = Error.stackTraceLimit;
    const err = await agents.proposers[0]!.propose({} as never, 10, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('load shed: 64 decisions in flight (limit 64)');
    // Capturing a stack per shed decision cost more than the rest of the failure; the limit is restored.
    expect((err as Error).stack?.trim()).toBe('Error: load shed: 64 decisions in flight (limit 64)');
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
