import { describe, expect, it } from 'vitest';
import type { ListenerSignals__Output } from '../../../proto/gen/parley/v1/ListenerSignals';
import { signalsFromWire, signalsToWire } from '../../../services/common/wire/common';
import { DEFAULT_CONTENT } from '../../../sim/content';
import { defaultScenario, type SimOutcome, type SimRequest, Simulator } from '../../../sim/index';
import { catalogueOf, runDay } from './helpers';

type Scenario = ReturnType<typeof defaultScenario>;

function scenario(size: number, over: (s: Scenario) => void = () => undefined): Scenario {
  const sc = defaultScenario();
  sc.population.size = size;
  // More podcasts than the default world, so that a short day has plenty of episodes.
  sc.activities.commute.playlists = { podcast: 0.7, algorithmic: 0.3 };
  over(sc);
  return sc;
}

function day(sim: Simulator, policy: (r: SimRequest) => string[] = () => []) {
  const seen: Array<{ r: SimRequest; o: SimOutcome }> = [];
  for (let r = sim.nextRequest(); r; r = sim.nextRequest())
    seen.push({ r, o: sim.respond(r.handle, policy(r)) });
  return seen;
}

describe('content signals', () => {
  it('every break says what plays: a podcast episode with a topic and risks, or a track rated by its explicit flag', () => {
    const seen = day(new Simulator({ scenario: scenario(400) }));
    const podcasts = seen.filter(({ r }) => r.signals.playlistKind === 'podcast');
    expect(podcasts.length).toBeGreaterThan(200);
    for (const { r, o } of seen) {
      const c = r.signals.content!;
      expect(c).toEqual(o.truth.content);
      // What the ad server would send, the wire accepts (and gives back unchanged).
      expect(signalsFromWire(signalsToWire(r.signals) as ListenerSignals__Output).content).toEqual(c);
      if (r.signals.playlistKind === 'podcast') {
        expect(c.kind).toBe('podcast');
        expect(Object.keys(DEFAULT_CONTENT.podcastTopics)).toContain(c.topics[0]);
      } else {
        expect(c.kind).toBe(r.signals.playlistKind === 'radio' ? 'radio' : 'music');
        expect(c.risks).toEqual(r.signals.explicitContent ? DEFAULT_CONTENT.explicitTrackRisks : {});
      }
    }
    const risky = podcasts.filter(({ r }) => Object.keys(r.signals.content!.risks).length > 0);
    expect(risky.length / podcasts.length).toBeGreaterThan(0.3);
    expect(risky.length / podcasts.length).toBeLessThan(0.9);
  });

  it('a podcast session keeps its episode between breaks, moving on at episode_change_rate', () => {
    const seen = day(new Simulator({ scenario: scenario(400) }));
    const last = new Map<string, string>();
    let kept = 0;
    let next = 0;
    for (const { r } of seen) {
      if (r.signals.playlistKind !== 'podcast') continue;
      const id = r.signals.content!.contentId;
      const before = last.get(r.signals.sessionId);
      if (before !== undefined) before === id ? kept++ : next++;
      last.set(r.signals.sessionId, id);
    }
    expect(kept + next).toBeGreaterThan(100);
    expect(next / (kept + next)).toBeGreaterThan(DEFAULT_CONTENT.episodeChangeRate - 0.1);
    expect(next / (kept + next)).toBeLessThan(DEFAULT_CONTENT.episodeChangeRate + 0.1);
  });

  it('signals_share: the other ad servers send no content signals, yet the listener hears the content', () => {
    const halfSent = (s: Scenario) => {
      s.content.signalsShare = 0.5;
    };
    const seen = day(new Simulator({ scenario: scenario(200, halfSent) }));
    const sent = seen.filter(({ r }) => r.signals.content !== null).length / seen.length;
    expect(sent).toBeGreaterThan(0.4);
    expect(sent).toBeLessThan(0.6);
    for (const { o } of seen) expect(o.truth.content).not.toBeNull();
  });

  it('leaves the world alone: the same listeners, sessions and signals whatever the content settings', () => {
    const strip = (seen: ReturnType<typeof day>) =>
      seen.map(({ r }) => ({ ...r, signals: { ...r.signals, content: null } }));
    const a = day(new Simulator({ scenario: scenario(200) }));
    const b = day(
      new Simulator({
        scenario: scenario(200, (s) => {
          s.content = { ...s.content, signalsShare: 0.3, episodeChangeRate: 1, explicitTrackRisks: {} };
        }),
      }),
    );
    expect(strip(b)).toEqual(strip(a));
  });
});

describe('brand-unsafe adjacency', () => {
  // Twin ads: the same creative, for an easy-going advertiser and for one that avoids explicit content and accepts only low risk.
  const catalogue = catalogueOf([
    { id: 'easy', energy: 0.5, disruptiveness: 0.2 },
    {
      id: 'touchy',
      energy: 0.5,
      disruptiveness: 0.2,
      brandSafety: '{ max_risk: { default: low }, avoid_explicit: true }',
    },
  ]);
  const run = (id: string, over: (s: Scenario) => void = () => undefined) => {
    const sim = new Simulator({
      scenario: scenario(600, (s) => {
        s.population.explicitShare = 0.4;
        over(s);
      }),
      catalogue,
    });
    let unsafe = 0;
    runDay(
      sim,
      () => [id],
      (o) => {
        for (const ad of o.ads) if (ad.unsafe) unsafe++;
      },
    );
    return { m: sim.metrics(), unsafe };
  };

  it('is counted where the content breaks the advertiser’s preferences, with its brand cost', () => {
    const touchy = run('touchy');
    const easy = run('easy');
    expect(touchy.m.unsafeAdjacencies).toBe(touchy.unsafe);
    expect(touchy.m.unsafeRate).toBeGreaterThan(0.4); // explicit tracks, and risky episodes
    expect(touchy.m.brandCostMicros).toBe(touchy.m.unsafeAdjacencies * 10_000 * 2); // price × unsafe_brand_cost
    // Without preferences only the floor is unsafe: a few true-crime episodes.
    expect(easy.m.unsafeRate).toBeLessThan(0.01);
  });

  it('is skipped more and annoys more, through the response knobs only', () => {
    const touchy = run('touchy');
    const easy = run('easy');
    expect(touchy.m.skipRate).toBeGreaterThan(easy.m.skipRate + 0.05);
    expect(touchy.m.meanSessionMinutes).toBeLessThan(easy.m.meanSessionMinutes);
    const off = (s: Scenario) => {
      s.response.unsafeSkipWeight = 0;
      s.response.annoyancePerUnsafe = 0;
    };
    expect(run('touchy', off).m.skipRate).toBe(run('easy', off).m.skipRate);
  });
});
