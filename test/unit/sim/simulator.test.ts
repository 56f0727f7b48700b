import { describe, expect, it } from 'vitest';
import type { ListenerSignals__Output } from '../../../proto/gen/parley/v1/ListenerSignals';
import { signalsFromWire, signalsToWire } from '../../../services/common/wire/common';
import {
  type Activity,
  defaultScenario,
  type SimOutcome,
  type SimRequest,
  SimulationError,
  Simulator,
} from '../../../sim/index';
import { catalogueOf, type Policy, rotate, runDay } from './helpers';

function scenario(size: number, over: (s: ReturnType<typeof defaultScenario>) => void = () => undefined) {
  const sc = defaultScenario();
  sc.population.size = size;
  over(sc);
  return sc;
}

/** Every request and outcome of a day, as text. */
function transcript(sim: Simulator, policy: Policy): string {
  const lines: string[] = [];
  for (let r = sim.nextRequest(); r; r = sim.nextRequest()) {
    lines.push(JSON.stringify(r), JSON.stringify(sim.respond(r.handle, policy(r, sim))));
  }
  return lines.join('\n');
}

describe('Simulator', () => {
  it('is deterministic: same seed, same day; another seed, another day', () => {
    const a = transcript(new Simulator({ scenario: scenario(300) }), rotate);
    const b = transcript(new Simulator({ scenario: scenario(300) }), rotate);
    const c = transcript(new Simulator({ scenario: scenario(300), seed: 4242 }), rotate);
    expect(a.length).toBeGreaterThan(10_000);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('plans the same population and sessions whatever the policy', () => {
    const quiet = new Simulator({ scenario: scenario(300) });
    const busy = new Simulator({ scenario: scenario(300) });
    const first = (s: Simulator) => s.nextRequest()!;
    const q = first(quiet);
    const b = first(busy);
    expect(b).toEqual(q);
    runDay(quiet, () => []);
    runDay(busy, rotate);
    expect(busy.metrics().sessionsPlanned).toBe(quiet.metrics().sessionsPlanned);
  });

  it('asks in time order with signals and slots the wire accepts', () => {
    const sim = new Simulator({ scenario: scenario(200) });
    let last = 0;
    let pre = 0;
    let hinted = 0;
    const hours = new Set<number>();
    runDay(sim, (r) => {
      expect(r.nowMs).toBeGreaterThanOrEqual(last);
      last = r.nowMs;
      // The wire form the broker would receive converts back to the same signals.
      expect(signalsFromWire(signalsToWire(r.signals) as ListenerSignals__Output)).toEqual(r.signals);
      const local = new Date(r.nowMs + r.signals.localTime.offsetMinutes * 60_000);
      expect(r.signals.localTime.hour).toBe(local.getUTCHours());
      expect(r.signals.localTime.dayOfWeek).toBe(local.getUTCDay());
      hours.add(r.signals.localTime.hour);
      expect(r.slot.maxAds).toBeGreaterThanOrEqual(1);
      expect(r.slot.maxAds).toBeLessThanOrEqual(3);
      expect(r.slot.maxTotalDurationMs).toBe(90_000);
      const truth = sim.groundTruth(r.handle);
      if (r.signals.activityHint !== 'unknown') {
        hinted++;
        expect(r.signals.activityHint).toBe(truth.activity);
      }
      if (r.slot.position === 'pre') {
        pre++;
        expect(r.signals.previousGenre).toBe('');
      }
      return [];
    });
    expect(hours.size).toBeGreaterThan(18);
    expect(pre).toBeGreaterThan(0);
    expect(hinted / sim.metrics().requests).toBeGreaterThan(0.25);
    expect(hinted / sim.metrics().requests).toBeLessThan(0.55);
  });

  it('reports outcomes consistently with its metrics', () => {
    const sim = new Simulator({ scenario: scenario(300) });
    const outcomes: SimOutcome[] = [];
    const fullPod: Policy = (r, s) => {
      const out: string[] = [];
      let ms = 0;
      for (const c of s.catalogue.creatives.values()) {
        if (out.length === r.slot.maxAds) break;
        if (ms + c.durationMs <= r.slot.maxTotalDurationMs && (c.id.charCodeAt(9) + r.handle) % 3 === 0) {
          out.push(c.id);
          ms += c.durationMs;
        }
      }
      return out;
    };
    runDay(sim, fullPod, (o) => outcomes.push(o));
    const m = sim.metrics();
    const ads = outcomes.flatMap((o) => o.ads);
    expect(ads.length).toBe(m.impressions);
    expect(m.skips + m.completes).toBe(m.impressions);
    expect(ads.filter((a) => a.clicked).length).toBe(m.clicks);
    expect(ads.reduce((s, a) => s + a.priceMicros, 0)).toBe(m.revenueMicros);
    expect(Object.values(m.byCampaign).reduce((s, c) => s + c.spendMicros, 0)).toBe(m.revenueMicros);
    expect(m.skipRate).toBeGreaterThan(0.2);
    expect(m.skipRate).toBeLessThan(0.9);
    expect(m.clicks).toBeGreaterThan(0);
    expect(m.sessionsEnded).toBe(m.sessionsStarted);
    for (const a of ads) {
      const creative = sim.catalogue.creatives.get(a.creativeId)!;
      const cpm = sim.catalogue.campaigns.get(a.campaignId)!.cpmMicros;
      expect(a.priceMicros).toBe(Math.floor(cpm / 1000));
      expect(a.events[0]).toEqual({ kind: 'impression', occurredAtMs: a.startedAtMs, skipOffsetMs: 0 });
      expect(a.events[1]!.kind).toBe(a.skipped ? 'skip' : 'complete');
      expect(a.events.length).toBe(a.clicked ? 3 : 2);
      expect(a.heardMs).toBe(a.skipped ? a.skipOffsetMs : creative.durationMs);
      expect(a.recall).toBeGreaterThanOrEqual(0);
      expect(a.recall).toBeLessThanOrEqual(1);
    }
    // Ads in a pod play one after the other.
    const pod = outcomes.find((o) => o.ads.length >= 2)!;
    expect(pod.ads[1]!.startedAtMs).toBe(pod.ads[0]!.startedAtMs + pod.ads[0]!.heardMs);
  });

  it('rejects a choice that breaks the slot, changing nothing', () => {
    const catalogue = catalogueOf([
      { id: 'short-a', durationMs: 15_000 },
      { id: 'short-b', durationMs: 15_000 },
      { id: 'long-a', durationMs: 60_000 },
      { id: 'long-b', durationMs: 60_000 },
    ]);
    const sim = new Simulator({ scenario: scenario(50), catalogue });
    let r: SimRequest | null = sim.nextRequest();
    while (r && r.slot.maxAds < 2) {
      sim.respond(r.handle, []);
      r = sim.nextRequest();
    }
    const req = r!;
    const before = sim.metrics();
    expect(() => sim.respond(req.handle, ['nope'])).toThrow(/unknown creative "nope"/);
    expect(() => sim.respond(req.handle, ['short-a', 'short-a'])).toThrow(/chosen twice/);
    expect(() => sim.respond(req.handle, ['long-a', 'long-b'])).toThrow(/at most 90000 ms/);
    expect(() => sim.respond(req.handle, ['short-a', 'short-b', 'long-a', 'long-b'])).toThrow(
      SimulationError,
    );
    expect(() => sim.respond(9999, [])).toThrow(/unknown or already answered/);
    expect(sim.metrics()).toEqual(before);
    expect(sim.respond(req.handle, ['short-a', 'short-b']).ads).toHaveLength(2);
    expect(() => sim.respond(req.handle, [])).toThrow(/already answered/);
    expect(() => sim.groundTruth(req.handle)).toThrow(/already answered/);
  });

  it('lets several requests be outstanding at once', () => {
    const sim = new Simulator({ scenario: scenario(200) });
    const a = sim.nextRequest()!;
    const b = sim.nextRequest()!;
    expect(b.handle).not.toBe(a.handle);
    expect(sim.respond(b.handle, []).requestId).toBe(b.requestId);
    expect(sim.respond(a.handle, []).requestId).toBe(a.requestId);
  });

  it('context fit matters: an energetic ad is skipped less in workouts than in sleep', () => {
    const catalogue = catalogueOf([{ id: 'pump', energy: 0.95, voice: 'energetic', disruptiveness: 0.3 }]);
    const sim = new Simulator({ scenario: scenario(2000), catalogue });
    const seen: Partial<Record<Activity, { n: number; skips: number }>> = {};
    runDay(
      sim,
      () => ['pump'],
      (o) => {
        const s = seen[o.truth.activity] ?? { n: 0, skips: 0 };
        seen[o.truth.activity] = s;
        s.n++;
        if (o.ads[0]!.skipped) s.skips++;
      },
    );
    const rate = (a: Activity) => seen[a]!.skips / seen[a]!.n;
    expect(seen.workout!.n).toBeGreaterThan(200);
    expect(seen.sleep!.n).toBeGreaterThan(200);
    expect(rate('workout')).toBeLessThan(rate('sleep') - 0.2);
  });

  it('fatigue: playing one creative again and again is skipped more than rotating look-alikes', () => {
    const twins = Array.from({ length: 8 }, (_, i) => ({
      id: `twin-${i}`,
      energy: 0.5,
      disruptiveness: 0.2,
    }));
    const run = (policy: Policy) => {
      const sim = new Simulator({ scenario: scenario(1000), catalogue: catalogueOf(twins) });
      runDay(sim, policy);
      return sim.metrics();
    };
    const same = run(() => ['twin-0']);
    const rotating = run((r) => [`twin-${r.handle % 8}`]);
    expect(same.skipRate).toBeGreaterThan(rotating.skipRate + 0.05);
    expect(same.meanRecall).toBeLessThan(rotating.meanRecall);
  });

  it('long-term effect: always playing the most disruptive ad leaves less inventory over a day', () => {
    const catalogue = catalogueOf([
      { id: 'loud', energy: 0.5, disruptiveness: 0.95, cpmMicros: 30_000_000 },
      { id: 'soft', energy: 0.5, disruptiveness: 0.05, cpmMicros: 10_000_000 },
    ]);
    const run = (id: string) => {
      const sim = new Simulator({ scenario: scenario(1500), catalogue });
      const requests = runDay(sim, () => [id]);
      return { requests, m: sim.metrics() };
    };
    const loud = run('loud');
    const soft = run('soft');
    expect(loud.m.sessionsPlanned).toBe(soft.m.sessionsPlanned);
    expect(loud.requests).toBeLessThan(soft.requests * 0.85);
    expect(loud.m.listeningMinutes).toBeLessThan(soft.m.listeningMinutes * 0.85);
    expect(loud.m.sessionsAbandoned).toBeGreaterThan(soft.m.sessionsAbandoned);
    expect(loud.m.sessionsQuit).toBeGreaterThan(soft.m.sessionsQuit);
    expect(loud.m.meanSessionMinutes).toBeLessThan(soft.m.meanSessionMinutes);
  });

  it('simulates at least 50k requests per CPU second with a trivial policy', () => {
    const sim = new Simulator({ scenario: scenario(12_000) });
    const id = [...sim.catalogue.creatives.values()].find((c) => c.durationMs <= 30_000)!.id;
    const start = process.cpuUsage();
    const requests = runDay(sim, () => [id]);
    const used = process.cpuUsage(start);
    const perSecond = requests / ((used.user + used.system) / 1e6);
    console.info(`simulator: ${requests} requests at ${Math.round(perSecond)} per CPU second`);
    expect(requests).toBeGreaterThan(30_000);
    expect(perSecond).toBeGreaterThan(50_000);
  });
});
