import { describe, expect, it } from 'vitest';
import { ContextAgent } from '../../../services/context/agent';
import { MemorySessionStore, type SessionStore } from '../../../services/context/session-store';
import { signals } from '../../support/signals';

const NOW = Date.parse('2026-06-10T12:00:00Z');

describe('ContextAgent', () => {
  it('carries ads heard and outcomes from observe into the next assessment', async () => {
    const agent = new ContextAgent(new MemorySessionStore({ ttlMs: 60_000 }));
    const first = await agent.assess(signals(), NOW);
    expect(first.sessionAdsHeard).toBe(0);
    await agent.observe({ sessionId: 's1', adServed: true, adSkipped: true, adCompleted: false }, NOW + 1);
    await agent.observe({ sessionId: 's1', adServed: true, adSkipped: true, adCompleted: false }, NOW + 2);
    const later = await agent.assess(signals(), NOW + 3);
    expect(later.sessionAdsHeard).toBe(2);
    expect(later.skipRisk).toBeGreaterThan(first.skipRisk);
    const other = await agent.assess(signals({ sessionId: 's2' }), NOW + 4);
    expect(other.sessionAdsHeard).toBe(0);
  });

  it('observes many sessions in one call as one call each would', async () => {
    const one = new ContextAgent(new MemorySessionStore({ ttlMs: 60_000 }));
    const many = new ContextAgent(new MemorySessionStore({ ttlMs: 60_000 }));
    const observations = [
      { sessionId: 's1', adServed: true, adSkipped: false, adCompleted: false },
      { sessionId: 's2', adServed: true, adSkipped: true, adCompleted: false },
      { sessionId: 's1', adServed: false, adSkipped: false, adCompleted: true },
    ];
    for (const o of observations) await one.observe(o, NOW);
    await many.observeMany(observations, NOW);
    await many.observeMany([], NOW);
    for (const sessionId of ['s1', 's2']) {
      const a = await one.assess(signals({ sessionId }), NOW + 1);
      expect(await many.assess(signals({ sessionId }), NOW + 1)).toEqual(a);
    }
    expect((await many.assess(signals({ sessionId: 's1' }), NOW + 2)).sessionAdsHeard).toBe(1);
  });

  it('remembers the scenario and the genre of the session', async () => {
    const store = new MemorySessionStore({ ttlMs: 60_000 });
    const agent = new ContextAgent(store);
    await agent.assess(signals({ activityHint: 'workout', trackGenre: 'edm' }), NOW);
    const next = await agent.assess(signals(), NOW + 1000);
    expect(next.scenario).toBe('workout'); // nothing new in the signals: the activity carries on
    expect((await store.get('s1', NOW + 1000))?.lastGenres).toEqual(['edm', 'rock']);
  });

  it('still answers from the signals alone when the store fails', async () => {
    const broken: SessionStore = {
      get: () => Promise.reject(new Error('down')),
      recordContext: () => Promise.reject(new Error('down')),
      recordOutcome: () => Promise.reject(new Error('down')),
      recordOutcomes: () => Promise.reject(new Error('down')),
      close: async () => undefined,
    };
    const errors: string[] = [];
    const agent = new ContextAgent(broken, (op) => errors.push(op));
    const snap = await agent.assess(signals({ device: 'car' }), NOW);
    expect(snap.scenario).toBe('commute');
    expect(errors).toEqual(['get', 'recordContext']);
    // A store that reads and records in one step fails once.
    const errorsInOneStep: string[] = [];
    const oneStep = new ContextAgent(
      { ...broken, assessSession: () => Promise.reject(new Error('down')) },
      (op) => errorsInOneStep.push(op),
    );
    expect((await oneStep.assess(signals({ device: 'car' }), NOW)).scenario).toBe('commute');
    expect(errorsInOneStep).toEqual(['assessSession']);
    await expect(
      agent.observe({ sessionId: 's1', adServed: true, adSkipped: false, adCompleted: true }, NOW),
    ).rejects.toThrow('down');
    await expect(
      agent.observeMany([{ sessionId: 's1', adServed: true, adSkipped: false, adCompleted: true }], NOW),
    ).rejects.toThrow('down');
  });
});

describe('MemorySessionStore bounds', () => {
  it('evicts the least recently used session beyond maxSessions', async () => {
    const store = new MemorySessionStore({ ttlMs: 60_000, maxSessions: 3 });
    for (const id of ['a', 'b', 'c']) await store.recordContext(id, { genre: 'pop', scenario: 'relax' }, NOW);
    await store.get('a', NOW); // a is now the most recently used
    await store.recordContext('d', { genre: 'pop', scenario: 'relax' }, NOW);
    expect(store.size).toBe(3);
    expect(await store.get('b', NOW)).toBeNull();
    for (const id of ['a', 'c', 'd']) expect(await store.get(id, NOW)).not.toBeNull();
  });
});
