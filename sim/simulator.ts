/**
 * The listener simulator: a population of listeners whose context moves
 * through simulated days, asking for ad breaks; a hidden ground-truth
 * response model answering the ads a policy chooses; and the long-term
 * effect of annoying ads (shorter and fewer future sessions, so less future
 * inventory). Deterministic given the scenario and seed.
 *
 *   const sim = new Simulator({ scenario: loadScenarioFile('sim/scenarios/default-day.yaml') });
 *   for (let r = sim.nextRequest(); r; r = sim.nextRequest()) sim.respond(r.handle, policy(r));
 *   sim.metrics();
 *
 * Requests come in simulated-time order. Several may be outstanding at once;
 * a listener's session continues only once its request is answered
 * (`respond(handle, [])` = no ad).
 */
import { adjacency } from '../services/brand-safety/critique';
import { loadCatalogueFile } from '../services/common/catalogue/load';
import type { BrandSafety, Catalogue } from '../services/common/catalogue/types';
import type {
  ContentSignals,
  Device,
  OutcomeKind,
  PlaylistKind,
  Position,
  Signals,
  Slot,
} from '../services/common/domain/types';
import { type Rng, seededRng } from '../services/common/rng';
import { ContentModel } from './content';
import { BrandMemory, baselineOf, type SurveyResult, yesProbability } from './lift';
import { ACTIVITIES, type Activity, type ActivityProfile } from './profiles';
import { binomial, Categorical, clamp, normal, poisson } from './random';
import {
  annoyanceAdded,
  clickProbability,
  type ExposureContext,
  hiddenInteractionLogit,
  recallProxy,
  skipOffsetMs,
  skipProbability,
} from './response';
import type { SimScenario } from './scenario';
import { generateCatalogue } from './supply';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Exposures remembered per listener for fatigue. */
const RECENT = 16;

export class SimulationError extends Error {}

export interface SimulatorOptions {
  scenario: SimScenario;
  /** Overrides `scenario.seed`. */
  seed?: number;
  /** Overrides `scenario.supply` (e.g. a catalogue an experiment built). */
  catalogue?: Catalogue;
}

/** One ad break, in the agents' domain terms. The true context stays inside. */
export interface SimRequest {
  handle: number;
  requestId: string;
  /** Simulated UTC time of the break. */
  nowMs: number;
  slot: Slot;
  signals: Signals;
  /**
   * The campaigns whose randomised control group (hold-out) this listener is
   * in, as the ad server's hold-out assignment gives it: their ads must not
   * be played to this listener. A played one is counted
   * (`metrics().holdoutViolations`) and takes the listener out of that
   * campaign's control group.
   */
  heldOutCampaigns: readonly string[];
}

export interface SimEvent {
  kind: OutcomeKind;
  occurredAtMs: number;
  /** For a skip: how far into the ad; else 0. */
  skipOffsetMs: number;
}

export interface AdOutcome {
  creativeId: string;
  campaignId: string;
  startedAtMs: number;
  skipped: boolean;
  skipOffsetMs: number;
  completed: boolean;
  clicked: boolean;
  /** Recall proxy in [0, 1]: the exposure's quality, which feeds the latent brand memory (lift.ts). */
  recall: number;
  heardMs: number;
  /** What the impression costs the advertiser: cpmMicros / 1000, rounded down. */
  priceMicros: number;
  /** impression, then skip | complete, then maybe click — ready for ReportOutcome. */
  events: SimEvent[];
  /** The content playing broke the advertiser's brand-safety preferences (a brand-unsafe adjacency). */
  unsafe: boolean;
}

/** The hidden truth behind a request: for evaluation only, never for an agent's input. */
export interface GroundTruth {
  listenerId: number;
  activity: Activity;
  focus: number;
  annoyance: number;
  adTolerance: number;
  /** What was really playing (also when the ad server sent no content signals). */
  content: ContentSignals;
}

export interface SimOutcome {
  handle: number;
  requestId: string;
  sessionId: string;
  ads: AdOutcome[];
  /** The listener left right after this break (annoyed). */
  quit: boolean;
  truth: GroundTruth;
}

export interface SimMetrics {
  simulatedMs: number;
  requests: number;
  /** Requests answered with at least one ad. */
  filled: number;
  fillRate: number;
  impressions: number;
  skips: number;
  completes: number;
  clicks: number;
  skipRate: number;
  completionRate: number;
  clickRate: number;
  /** Ads played to listeners in their campaign's control group (should be 0). */
  holdoutViolations: number;
  /** Sum and mean (per impression) of the recall proxy (a formula, not a survey: see surveys()). */
  recallTotal: number;
  meanRecall: number;
  revenueMicros: number;
  /** Ads served next to content that breaks their advertiser's brand-safety preferences, and their share of impressions. */
  unsafeAdjacencies: number;
  unsafeRate: number;
  /** What those ads cost their advertisers' brands (response.unsafe_brand_cost × price). */
  brandCostMicros: number;
  sessionsPlanned: number;
  sessionsStarted: number;
  /** Planned sessions not started because the listener was annoyed. */
  sessionsAbandoned: number;
  sessionsEnded: number;
  /** Sessions the listener left right after an ad break. */
  sessionsQuit: number;
  meanSessionMinutes: number;
  listeningMinutes: number;
  byCampaign: Record<string, { impressions: number; skips: number; clicks: number; spendMicros: number }>;
}

interface CreativeInfo {
  id: string;
  campaignId: string;
  campaign: number;
  category: number;
  priceMicros: number;
  energy: number;
  voiceStyle: 'energetic' | 'calm' | 'conversational' | 'announcer';
  disruptiveness: number;
  durationMs: number;
  brandSafety: BrandSafety | undefined;
}

interface Session {
  id: string;
  activity: Activity;
  profile: ActivityProfile;
  focus: number;
  device: Device;
  playlist: PlaylistKind;
  genre: string;
  startMs: number;
  endMs: number;
  breaks: number;
  /** Ads played to the listener so far in this session. */
  adsHeard: number;
  /** The podcast episode playing (podcast sessions), kept between breaks. */
  episode: ContentSignals | null;
}

interface Listener {
  id: number;
  country: string;
  offsetMinutes: number;
  adTolerance: number;
  clickPropensity: number;
  annoyance: number;
  annoyanceAtMs: number;
  /** Next write position in this listener's RECENT slots of recentCreative / recentAtMs. */
  recentNext: number;
  session: Session | null;
  sessions: number;
  /** The campaigns holding this listener out (computed on the first request). */
  heldOut: readonly string[] | null;
  /** Had at least one ad break (a platform listener a survey can reach). */
  active: boolean;
}

interface Pending {
  listener: Listener;
  session: Session;
  atMs: number;
  slot: Slot;
  requestId: string;
  /** What is really playing, and whether it is explicit. */
  content: ContentSignals;
  explicit: boolean;
}

const START = 0;
const BREAK = 1;

interface Event {
  t: number;
  seq: number;
  kind: typeof START | typeof BREAK;
  listener: number;
  /** START: index in ACTIVITIES of the planned session's activity. */
  activity: number;
  /** BREAK: the session it belongs to. */
  session: Session | null;
}

/** A binary min-heap on (t, seq): deterministic order for equal times. */
class EventQueue {
  private items: Event[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(t: number, kind: Event['kind'], listener: number, activity: number, session: Session | null): void {
    const item: Event = { t, seq: this.seq++, kind, listener, activity, session };
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, a[parent]!)) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }

  pop(): Event | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && before(a[r]!, a[l]!) ? r : l;
      if (!before(a[child]!, last)) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

const before = (x: Event, y: Event) => x.t < y.t || (x.t === y.t && x.seq < y.seq);

/** Seeds of the independent random streams, so that the population and its plans do not depend on the policy. */
const STREAM = {
  supply: 0x5eed_0001,
  population: 0x5eed_0002,
  plan: 0x5eed_0003,
  world: 0x5eed_0004,
  response: 0x5eed_0005,
  content: 0x5eed_0006,
  survey: 0x5eed_0007,
};

export class Simulator {
  readonly scenario: SimScenario;
  readonly seed: number;
  /** The ad supply the agents should decide from. */
  readonly catalogue: Catalogue;
  readonly startMs: number;
  readonly endMs: number;

  private readonly creatives: CreativeInfo[] = [];
  private readonly creativeIndex = new Map<string, number>();
  private readonly campaignIds: string[] = [];
  private readonly listeners: Listener[] = [];
  /** Hidden per-category affinity: listener i, category k at [i * categoryCount + k]. */
  private affinity = new Float64Array(0);
  private categoryCount = 0;
  /** The ad categories by index (CreativeInfo.category), lower case. */
  private categoryNames: string[] = [];
  /** The last RECENT exposures of listener i at [i * RECENT, (i + 1) * RECENT) (creative index, -1 = none). */
  private recentCreative = new Int32Array(0);
  private recentAtMs = new Float64Array(0);
  private readonly queue = new EventQueue();
  private readonly pending = new Map<number, Pending>();
  private readonly world: Rng;
  private readonly response: Rng;
  /** Content draws have their own stream, so that the world's do not depend on the content model. */
  private readonly contentRng: Rng;
  private readonly content: ContentModel;
  private readonly devices: Categorical<Device>[];
  private readonly playlists: Categorical<PlaylistKind>[];
  private readonly genres: Categorical<string>[];
  private readonly podSizes: Categorical<number>;
  private clock: number;
  private nextHandle = 1;
  /** Latent brand memory and hold-out per listener × campaign, and the surveys (lift.ts). */
  private brand!: BrandMemory;
  private readonly surveyRng: Rng;
  private readonly surveyResults: SurveyResult[] = [];
  private surveysTaken = 0;
  private nextWaveMs: number;
  private finalWaveFielded = false;
  /** Distinct non-held-out listeners exposed, per campaign index. */
  private reach: number[] = [];
  private readonly m = {
    requests: 0,
    filled: 0,
    impressions: 0,
    skips: 0,
    completes: 0,
    clicks: 0,
    recallTotal: 0,
    holdoutViolations: 0,
    revenueMicros: 0,
    unsafeAdjacencies: 0,
    brandCostMicros: 0,
    sessionsPlanned: 0,
    sessionsStarted: 0,
    sessionsAbandoned: 0,
    sessionsEnded: 0,
    sessionsQuit: 0,
    listeningMs: 0,
  };
  private readonly byCampaign: Array<{
    impressions: number;
    skips: number;
    clicks: number;
    spendMicros: number;
  }> = [];

  constructor(options: SimulatorOptions) {
    const sc = options.scenario;
    this.scenario = sc;
    this.seed = options.seed ?? sc.seed;
    this.startMs = sc.startMs;
    this.endMs = sc.startMs + Math.round(sc.days * DAY_MS);
    this.clock = sc.startMs;
    const stream = (salt: number) => seededRng((this.seed ^ salt) >>> 0);
    this.world = stream(STREAM.world);
    this.response = stream(STREAM.response);
    this.contentRng = stream(STREAM.content);
    this.surveyRng = stream(STREAM.survey);
    this.nextWaveMs = sc.startMs + sc.lift.surveyEveryHours * HOUR_MS;
    this.content = new ContentModel(sc.content);

    this.catalogue = options.catalogue ?? this.loadSupply(stream(STREAM.supply));
    const categories: string[] = [];
    const campaignIndex = new Map<string, number>();
    for (const c of this.catalogue.creatives.values()) {
      const campaign = this.catalogue.campaigns.get(c.campaignId);
      if (!campaign) throw new SimulationError(`creative ${c.id}: unknown campaign ${c.campaignId}`);
      const advertiser = this.catalogue.advertisers.get(campaign.advertiserId);
      const category = advertiser?.category ?? 'unknown';
      if (!categories.includes(category)) {
        categories.push(category);
        this.categoryNames.push(category.toLowerCase());
      }
      if (!campaignIndex.has(campaign.id)) {
        campaignIndex.set(campaign.id, this.campaignIds.length);
        this.campaignIds.push(campaign.id);
        this.byCampaign.push({ impressions: 0, skips: 0, clicks: 0, spendMicros: 0 });
      }
      this.creativeIndex.set(c.id, this.creatives.length);
      this.creatives.push({
        id: c.id,
        campaignId: campaign.id,
        campaign: campaignIndex.get(campaign.id)!,
        category: categories.indexOf(category),
        priceMicros: Math.floor(campaign.cpmMicros / 1000),
        energy: c.energy,
        voiceStyle: c.voiceStyle,
        disruptiveness: c.disruptiveness,
        durationMs: c.durationMs,
        brandSafety: advertiser?.brandSafety,
      });
    }

    const profiles = ACTIVITIES.map((a) => sc.activities[a]);
    this.devices = profiles.map((p) => Categorical.fromWeights(p.devices));
    this.playlists = profiles.map((p) => Categorical.fromWeights(p.playlists));
    this.genres = profiles.map((p) => Categorical.fromWeights(p.genres));
    this.podSizes = new Categorical(
      sc.ads.maxAdsWeights.map((_, i) => i + 1),
      sc.ads.maxAdsWeights,
    );
    this.createPopulation(stream(STREAM.population), categories.length);
    this.planSessions(stream(STREAM.plan));
    this.brand = new BrandMemory(sc.lift, this.listeners.length, this.campaignIds, this.seed, this.startMs);
    this.reach = this.campaignIds.map(() => 0);
  }

  private loadSupply(rng: Rng): Catalogue {
    const s = this.scenario.supply;
    if (s.kind === 'catalogue') return loadCatalogueFile(s.path);
    return generateCatalogue(
      s,
      { startMs: this.scenario.startMs, days: this.scenario.days },
      this.scenario.population.countries,
      rng,
    );
  }

  private createPopulation(rng: Rng, categoryCount: number): void {
    const p = this.scenario.population;
    const countries = new Categorical(
      p.countries,
      p.countries.map((c) => c.share),
    );
    this.categoryCount = categoryCount;
    this.affinity = new Float64Array(p.size * categoryCount);
    this.recentCreative = new Int32Array(p.size * RECENT).fill(-1);
    this.recentAtMs = new Float64Array(p.size * RECENT);
    for (let i = 0; i < p.size; i++) {
      const country = countries.sample(rng);
      for (let k = 0; k < categoryCount; k++)
        this.affinity[i * categoryCount + k] = normal(rng, 0, p.categoryAffinitySd);
      this.listeners.push({
        id: i,
        country: country.code,
        offsetMinutes: country.utcOffsetMinutes,
        adTolerance: clamp(normal(rng, p.adTolerance.mean, p.adTolerance.sd), 0, 1),
        clickPropensity: Math.exp(normal(rng, 0, p.clickPropensitySd)),
        annoyance: 0,
        annoyanceAtMs: this.startMs,
        recentNext: 0,
        session: null,
        sessions: 0,
        heldOut: null,
        active: false,
      });
    }
  }

  /** Plans every listener's session starts (hour and activity from the day's profile) over the horizon. */
  private planSessions(rng: Rng): void {
    const sc = this.scenario;
    const joint = (day: 'weekday' | 'weekend') => {
      const values: number[] = [];
      const weights: number[] = [];
      for (let h = 0; h < 24; h++) {
        ACTIVITIES.forEach((a, k) => {
          values.push(h * ACTIVITIES.length + k);
          weights.push(sc.activities[a][day][h]!);
        });
      }
      return new Categorical(values, weights);
    };
    const weekday = joint('weekday');
    const weekend = joint('weekend');
    for (const l of this.listeners) {
      const activityLevel = Math.exp(normal(rng, -0.08, 0.4));
      const off = l.offsetMinutes * MINUTE_MS;
      const firstDay = Math.floor((this.startMs + off) / DAY_MS);
      const lastDay = Math.floor((this.endMs - 1 + off) / DAY_MS);
      for (let d = firstDay; d <= lastDay; d++) {
        const dow = (((d + 4) % 7) + 7) % 7;
        const table = dow === 0 || dow === 6 ? weekend : weekday;
        const n = poisson(rng, sc.population.sessionsPerDay * activityLevel);
        for (let j = 0; j < n; j++) {
          const slot = table.sample(rng);
          const hour = Math.floor(slot / ACTIVITIES.length);
          const t = Math.round((d * DAY_MS + hour * HOUR_MS + rng.next() * HOUR_MS - off) / 1000) * 1000;
          if (t < this.startMs || t >= this.endMs) continue;
          this.m.sessionsPlanned++;
          this.queue.push(t, START, l.id, slot % ACTIVITIES.length, null);
        }
      }
    }
  }

  /** Simulated time of the latest event handed out. */
  now(): number {
    return this.clock;
  }

  /** The next ad break, in time order; null when the horizon has been played out. */
  nextRequest(): SimRequest | null {
    for (;;) {
      const e = this.queue.pop();
      if (!e) {
        this.fieldWaves(this.endMs);
        return null;
      }
      this.fieldWaves(e.t);
      if (e.t > this.clock) this.clock = e.t;
      const l = this.listeners[e.listener]!;
      if (e.kind === START) {
        this.startSession(l, e.t, ACTIVITIES[e.activity]!);
        continue;
      }
      const s = e.session!;
      if (l.session !== s) continue;
      if (e.t >= s.endMs) {
        this.endSession(l, s.endMs);
        continue;
      }
      return this.request(l, s, e.t);
    }
  }

  private startSession(l: Listener, t: number, activity: Activity): void {
    if (l.session) return; // still listening: the plan overlapped an ongoing session
    const r = this.scenario.response;
    const annoyance = this.decayAnnoyance(l, t);
    const w = this.world;
    if (w.next() < 1 - Math.exp(-r.sessionAbandonWeight * annoyance)) {
      this.m.sessionsAbandoned++;
      return;
    }
    const a = ACTIVITIES.indexOf(activity);
    const profile = this.scenario.activities[activity];
    const minutes =
      Math.max(3, normal(w, profile.sessionMinutes.mean, profile.sessionMinutes.sd)) *
      Math.exp(-r.sessionShrinkWeight * annoyance);
    const s: Session = {
      id: `l${l.id}-s${++l.sessions}`,
      activity,
      profile,
      focus: clamp(normal(w, profile.focus, 0.1), 0, 1),
      device: this.devices[a]!.sample(w),
      playlist: this.playlists[a]!.sample(w),
      genre: this.genres[a]!.sample(w),
      startMs: t,
      endMs: t + Math.round(minutes * MINUTE_MS),
      breaks: 0,
      adsHeard: 0,
      episode: null,
    };
    l.session = s;
    this.m.sessionsStarted++;
    const first = w.next() < this.scenario.ads.preRollShare ? t : t + this.gapMs();
    this.queue.push(first, BREAK, l.id, a, s);
  }

  private endSession(l: Listener, t: number): void {
    const s = l.session!;
    this.m.sessionsEnded++;
    this.m.listeningMs += Math.max(0, t - s.startMs);
    l.session = null;
  }

  private gapMs(): number {
    const every = this.scenario.ads.breakEveryMinutes * MINUTE_MS;
    return Math.round((every * (0.75 + 0.5 * this.world.next())) / 1000) * 1000;
  }

  private decayAnnoyance(l: Listener, t: number): number {
    if (t > l.annoyanceAtMs) {
      l.annoyance *=
        0.5 ** ((t - l.annoyanceAtMs) / (this.scenario.response.annoyanceHalfLifeHours * HOUR_MS));
      l.annoyanceAtMs = t;
    }
    return l.annoyance;
  }

  private request(l: Listener, s: Session, t: number): SimRequest {
    const w = this.world;
    const p = this.scenario.population;
    const position: Position = s.breaks === 0 && t === s.startMs ? 'pre' : 'mid';
    const previousGenre = position === 'pre' ? '' : s.genre;
    if (position !== 'pre' && w.next() < p.genreShiftRate) {
      s.genre = this.genres[ACTIVITIES.indexOf(s.activity)]!.sample(w);
    }
    s.breaks++;
    const trackSkip = clamp(s.profile.trackSkipRate + 0.15 * this.decayAnnoyance(l, t), 0, 0.95);
    const local = t + l.offsetMinutes * MINUTE_MS;
    const day = Math.floor(local / DAY_MS);
    const handle = this.nextHandle++;
    const requestId = `r${handle}`;
    const slot: Slot = {
      slotId: `${s.id}-b${s.breaks}`,
      position,
      maxAds: this.podSizes.sample(w),
      maxTotalDurationMs: this.scenario.ads.maxTotalDurationMs,
    };
    // The world's draws, in the order they have always been made.
    const recentSkips = binomial(w, 3, trackSkip);
    const activityHint = w.next() < p.activityHintRate ? s.activity : 'unknown';
    const explicit = w.next() < p.explicitShare;
    const content = this.content.now(this.contentRng, s.playlist, explicit, s.episode);
    if (content.kind === 'podcast') s.episode = content;
    const sent = this.contentRng.next() < this.scenario.content.signalsShare;
    const signals: Signals = {
      sessionId: s.id,
      device: s.device,
      localTime: {
        epochMs: t,
        offsetMinutes: l.offsetMinutes,
        hour: Math.floor((local - day * DAY_MS) / HOUR_MS),
        dayOfWeek: (((day + 4) % 7) + 7) % 7,
      },
      trackGenre: s.genre,
      previousGenre,
      recentSkips,
      playlistKind: s.playlist,
      activityHint,
      explicitContent: explicit,
      country: l.country,
      content: sent ? content : null,
    };
    this.pending.set(handle, { listener: l, session: s, atMs: t, slot, requestId, content, explicit });
    this.m.requests++;
    l.active = true;
    l.heldOut ??= this.brand.heldOutCampaigns(l.id);
    return { handle, requestId, nowMs: t, slot, signals, heldOutCampaigns: l.heldOut };
  }

  /** The hidden truth behind an outstanding request (for evaluation only). */
  groundTruth(handle: number): GroundTruth {
    const p = this.pending.get(handle);
    if (!p) throw new SimulationError(`unknown or already answered request handle ${handle}`);
    return this.truth(p);
  }

  private truth(p: Pending): GroundTruth {
    return {
      listenerId: p.listener.id,
      activity: p.session.activity,
      focus: p.session.focus,
      annoyance: p.listener.annoyance,
      adTolerance: p.listener.adTolerance,
      content: p.content,
    };
  }

  /**
   * Plays the chosen ads (in pod order; [] = no ad) to the listener and
   * returns what happened. Throws SimulationError, changing nothing, when the
   * choice breaks the slot (unknown or repeated creative, too many ads, too long).
   */
  respond(handle: number, chosenCreativeIds: readonly string[]): SimOutcome {
    const p = this.pending.get(handle);
    if (!p) throw new SimulationError(`unknown or already answered request handle ${handle}`);
    const chosen = this.validateChoice(p.slot, chosenCreativeIds);
    this.pending.delete(handle);
    const { listener: l, session: s } = p;
    const r = this.scenario.response;
    const rng = this.response;
    const annoyance = this.decayAnnoyance(l, p.atMs);
    const truth = this.truth(p);
    const windowMs = r.fatigueWindowMinutes * MINUTE_MS;
    const local = p.atMs + l.offsetMinutes * MINUTE_MS;
    const localHour = Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / HOUR_MS);
    const ads: AdOutcome[] = [];
    let at = p.atMs;
    let added = 0;
    let earlierSkip = false;
    for (let k = 0; k < chosen.length; k++) {
      const c = this.creatives[chosen[k]!]!;
      let sameCreative = 0;
      let sameCampaign = 0;
      const base = l.id * RECENT;
      for (let j = base; j < base + RECENT; j++) {
        const idx = this.recentCreative[j]!;
        if (idx < 0 || at - this.recentAtMs[j]! > windowMs) continue;
        if (idx === chosen[k]) sameCreative++;
        else if (this.creatives[idx]!.campaign === c.campaign) sameCampaign++;
      }
      const unsafe = !adjacency(c.brandSafety, p.content, p.explicit).suitable;
      const x: ExposureContext = {
        idealEnergy: s.profile.idealEnergy,
        focus: s.focus,
        device: s.device,
        podIndex: k,
        earlierSkipInPod: earlierSkip,
        sameCreativeRecent: sameCreative,
        sameCampaignRecent: sameCampaign,
        annoyance,
        adTolerance: l.adTolerance,
        affinity: this.affinity[l.id * this.categoryCount + c.category]!,
        clickPropensity: l.clickPropensity,
        unsafeAdjacency: unsafe,
        hiddenLogit: hiddenInteractionLogit(
          this.scenario.hiddenInteraction,
          localHour,
          this.categoryNames[c.category]!,
          s.adsHeard,
        ),
      };
      s.adsHeard++;
      const skipped = rng.next() < skipProbability(r, c, x);
      const offset = skipped ? skipOffsetMs(c, x.idealEnergy, rng.next()) : 0;
      const heardMs = skipped ? offset : c.durationMs;
      const clicked = !skipped && rng.next() < clickProbability(r, c, x);
      const recall = recallProxy(c, x, heardMs / c.durationMs);
      const wasExposed = this.brand.exposed[this.brand.index(l.id, c.campaign)] === 1;
      if (this.brand.expose(l.id, c.campaign, recall, at)) this.m.holdoutViolations++;
      else if (!wasExposed) this.reach[c.campaign]!++;
      const events: SimEvent[] = [{ kind: 'impression', occurredAtMs: at, skipOffsetMs: 0 }];
      events.push(
        skipped
          ? { kind: 'skip', occurredAtMs: at + offset, skipOffsetMs: offset }
          : { kind: 'complete', occurredAtMs: at + heardMs, skipOffsetMs: 0 },
      );
      if (clicked) events.push({ kind: 'click', occurredAtMs: at + heardMs, skipOffsetMs: 0 });
      ads.push({
        creativeId: c.id,
        campaignId: c.campaignId,
        startedAtMs: at,
        skipped,
        skipOffsetMs: offset,
        completed: !skipped,
        clicked,
        recall,
        heardMs,
        priceMicros: c.priceMicros,
        events,
        unsafe,
      });
      added += annoyanceAdded(r, c, s.focus, skipped, unsafe);
      earlierSkip ||= skipped;
      this.recentCreative[l.id * RECENT + l.recentNext] = chosen[k]!;
      this.recentAtMs[l.id * RECENT + l.recentNext] = at;
      l.recentNext = (l.recentNext + 1) % RECENT;
      at += heardMs;
      this.count(c, skipped, clicked, recall, unsafe);
    }
    if (ads.length > 0) this.m.filled++;
    l.annoyance += added;
    const endOfPod = Math.round(at / 1000) * 1000;
    const quit = added > 0 && rng.next() < 1 - Math.exp(-r.quitWeight * added);
    if (quit) {
      this.m.sessionsQuit++;
      this.endSession(l, endOfPod);
    } else {
      // The session lasts at least until the pod is over; what was left of it shrinks with the annoyance.
      if (s.endMs <= endOfPod) s.endMs = endOfPod;
      else s.endMs = endOfPod + Math.round((s.endMs - endOfPod) * Math.exp(-r.sessionShrinkWeight * added));
      const next = Math.max(endOfPod + this.gapMs(), this.clock);
      this.queue.push(next, BREAK, l.id, 0, s);
    }
    return { handle, requestId: p.requestId, sessionId: s.id, ads, quit, truth };
  }

  private validateChoice(slot: Slot, ids: readonly string[]): number[] {
    if (ids.length > slot.maxAds) {
      throw new SimulationError(`slot ${slot.slotId} takes at most ${slot.maxAds} ads, got ${ids.length}`);
    }
    const out: number[] = [];
    let total = 0;
    for (const id of ids) {
      const idx = this.creativeIndex.get(id);
      if (idx === undefined) throw new SimulationError(`unknown creative "${id}"`);
      if (out.includes(idx)) throw new SimulationError(`creative "${id}" chosen twice for one pod`);
      out.push(idx);
      total += this.creatives[idx]!.durationMs;
    }
    if (total > slot.maxTotalDurationMs) {
      throw new SimulationError(
        `slot ${slot.slotId} takes at most ${slot.maxTotalDurationMs} ms of ads, got ${total}`,
      );
    }
    return out;
  }

  private count(c: CreativeInfo, skipped: boolean, clicked: boolean, recall: number, unsafe: boolean): void {
    const m = this.m;
    const k = this.byCampaign[c.campaign]!;
    if (unsafe) {
      m.unsafeAdjacencies++;
      m.brandCostMicros += c.priceMicros * this.scenario.response.unsafeBrandCost;
    }
    m.impressions++;
    k.impressions++;
    m.revenueMicros += c.priceMicros;
    k.spendMicros += c.priceMicros;
    m.recallTotal += recall;
    if (skipped) {
      m.skips++;
      k.skips++;
    } else m.completes++;
    if (clicked) {
      m.clicks++;
      k.clicks++;
    }
  }

  /** Fields every survey wave due up to `t` (a wave at each surveyEveryHours, and one at the end of the horizon). */
  private fieldWaves(t: number): void {
    const every = this.scenario.lift.surveyEveryHours * HOUR_MS;
    while (this.nextWaveMs <= t && this.nextWaveMs < this.endMs) {
      this.fieldWave(this.nextWaveMs);
      this.nextWaveMs += every;
    }
    if (t >= this.endMs && !this.finalWaveFielded) {
      this.finalWaveFielded = true;
      this.fieldWave(this.endMs);
    }
  }

  /**
   * One survey wave at time t: per paid campaign in flight, up to
   * `surveySample` listeners drawn from those exposed to it so far and as
   * many from its control group (held-out listeners who had an ad break so
   * far and were never shown it) answer a yes/no recall question.
   */
  private fieldWave(t: number): void {
    const lift = this.scenario.lift;
    const rng = this.surveyRng;
    const n = this.campaignIds.length;
    const wave =
      1 + (this.surveyResults.length > 0 ? this.surveyResults[this.surveyResults.length - 1]!.wave : 0);
    const exposed: number[][] = this.campaignIds.map(() => []);
    const control: number[][] = this.campaignIds.map(() => []);
    for (const l of this.listeners) {
      for (let j = 0; j < n; j++) {
        const k = l.id * n + j;
        if (this.brand.exposed[k]) exposed[j]!.push(k);
        else if (l.active && this.brand.heldOut[k] && !this.brand.contaminated[k]) control[j]!.push(k);
      }
    }
    const ask = (pool: number[], baseline: number) => {
      const take = Math.min(pool.length, lift.surveySample);
      let yes = 0;
      for (let i = 0; i < take; i++) {
        const pick = i + Math.floor(rng.next() * (pool.length - i));
        const k = pool[pick]!;
        pool[pick] = pool[i]!;
        pool[i] = k;
        const random = rng.next() < lift.noise;
        const u = rng.next();
        if (random ? u < 0.5 : u < yesProbability(baseline, this.brand.memoryAt(k, t))) yes++;
      }
      return { n: take, yes };
    };
    this.campaignIds.forEach((id, j) => {
      const c = this.catalogue.campaigns.get(id)!;
      if (c.tier === 'house' || c.flightStartMs >= t || c.flightEndMs <= this.startMs) return;
      const baseline = baselineOf(lift, this.seed, id);
      const e = ask(exposed[j]!, baseline);
      const h = ask(control[j]!, baseline);
      const exposedRate = e.n > 0 ? e.yes / e.n : Number.NaN;
      const controlRate = h.n > 0 ? h.yes / h.n : Number.NaN;
      this.surveyResults.push({
        campaignId: id,
        wave,
        fieldedAtMs: t,
        publishedAtMs: t + lift.surveyDelayHours * HOUR_MS,
        exposedN: e.n,
        exposedYes: e.yes,
        controlN: h.n,
        controlYes: h.yes,
        exposedRate,
        controlRate,
        lift: exposedRate - controlRate,
        windowStartMs: Math.max(this.startMs, c.flightStartMs),
        impressions: this.byCampaign[j]!.impressions,
        reach: this.reach[j]!,
      });
    });
  }

  /** Survey results published by now (fielded at least the survey delay ago), in fielding order. */
  surveys(): SurveyResult[] {
    return this.surveyResults.filter((r) => r.publishedAtMs <= this.clock);
  }

  /** The survey results published since the last call (what a learner receives as they come out). */
  takeSurveys(): SurveyResult[] {
    const out: SurveyResult[] = [];
    while (this.surveysTaken < this.surveyResults.length) {
      const r = this.surveyResults[this.surveysTaken]!;
      if (r.publishedAtMs > this.clock) break;
      out.push(r);
      this.surveysTaken++;
    }
    return out;
  }

  /**
   * For evaluation after the episode: fields the end-of-flight wave now if the
   * horizon was not played out (a capped run), and returns every wave's
   * results, published or still within their delay — as read once the delay
   * has passed.
   */
  closeSurveys(): SurveyResult[] {
    if (!this.finalWaveFielded) {
      this.finalWaveFielded = true;
      this.fieldWave(this.clock);
    }
    return [...this.surveyResults];
  }

  metrics(): SimMetrics {
    const m = this.m;
    const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
    const byCampaign: SimMetrics['byCampaign'] = {};
    this.campaignIds.forEach((id, i) => {
      byCampaign[id] = { ...this.byCampaign[i]! };
    });
    return {
      simulatedMs: this.clock - this.startMs,
      requests: m.requests,
      filled: m.filled,
      fillRate: ratio(m.filled, m.requests),
      impressions: m.impressions,
      skips: m.skips,
      completes: m.completes,
      clicks: m.clicks,
      skipRate: ratio(m.skips, m.impressions),
      completionRate: ratio(m.completes, m.impressions),
      clickRate: ratio(m.clicks, m.impressions),
      recallTotal: m.recallTotal,
      meanRecall: ratio(m.recallTotal, m.impressions),
      holdoutViolations: m.holdoutViolations,
      revenueMicros: m.revenueMicros,
      unsafeAdjacencies: m.unsafeAdjacencies,
      unsafeRate: ratio(m.unsafeAdjacencies, m.impressions),
      brandCostMicros: m.brandCostMicros,
      sessionsPlanned: m.sessionsPlanned,
      sessionsStarted: m.sessionsStarted,
      sessionsAbandoned: m.sessionsAbandoned,
      sessionsEnded: m.sessionsEnded,
      sessionsQuit: m.sessionsQuit,
      meanSessionMinutes: ratio(m.listeningMs, m.sessionsEnded) / MINUTE_MS,
      listeningMinutes: m.listeningMs / MINUTE_MS,
      byCampaign,
    };
  }
}
