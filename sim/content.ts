/**
 * What the simulated listener hears while an ad break comes up, as the
 * platform's content classifier rates it (the content signals of a request):
 * podcast episodes have a topic and, per GARM category, a risk level drawn
 * from the topic's odds; music tracks carry risk only when explicit.
 */
import type {
  ContentSignals,
  PlaylistKind,
  RiskLevel,
  SafetyCategory,
} from '../services/common/domain/types';
import type { Rng } from '../services/common/rng';
import { Categorical } from './random';

/** The chance of each level above low (the rest of the probability is low). */
export type LevelOdds = Partial<Record<Exclude<RiskLevel, 'low'>, number>>;

export interface PodcastTopic {
  /** Relative weight among the topics. */
  weight: number;
  /** Per category, the odds of its levels in an episode on this topic (categories not listed: low). */
  risks: Partial<Record<SafetyCategory, LevelOdds>>;
}

export interface ContentParams {
  /** Share of ad breaks whose ad server sends content signals (the others send none). */
  signalsShare: number;
  /** Chance that a podcast session moves on to another episode between two breaks. */
  episodeChangeRate: number;
  /** How the classifier rates an explicit music track (a clean one carries no risk). */
  explicitTrackRisks: Partial<Record<SafetyCategory, RiskLevel>>;
  /** The topics of podcast episodes. */
  podcastTopics: Record<string, PodcastTopic>;
}

export const DEFAULT_CONTENT: ContentParams = {
  signalsShare: 1,
  episodeChangeRate: 0.3,
  explicitTrackRisks: { obscenity: 'medium' },
  podcastTopics: {
    comedy: { weight: 0.2, risks: { obscenity: { medium: 0.5, high: 0.2 }, adult: { medium: 0.15 } } },
    'true-crime': {
      weight: 0.15,
      risks: {
        crime: { medium: 0.5, high: 0.4, floor: 0.02 },
        death_injury_conflict: { medium: 0.5, high: 0.2 },
      },
    },
    news: {
      weight: 0.15,
      risks: {
        death_injury_conflict: { medium: 0.4, high: 0.1 },
        social_issues: { medium: 0.4, high: 0.1 },
        terrorism: { medium: 0.05, high: 0.02 },
      },
    },
    politics: {
      weight: 0.1,
      risks: { social_issues: { medium: 0.5, high: 0.3 }, hate_speech: { medium: 0.05 } },
    },
    health: { weight: 0.1, risks: { drugs_alcohol_tobacco: { medium: 0.3 }, adult: { medium: 0.1 } } },
    history: {
      weight: 0.1,
      risks: { death_injury_conflict: { medium: 0.5, high: 0.2 }, arms: { medium: 0.3 } },
    },
    business: { weight: 0.1, risks: {} },
    sports: { weight: 0.1, risks: { drugs_alcohol_tobacco: { medium: 0.05 } } },
  },
};

const LEVELS_ABOVE_LOW = ['medium', 'high', 'floor'] as const;

/** Draws the content playing now; an episode is kept between breaks of a podcast session. */
export class ContentModel {
  private readonly topics: Categorical<string>;
  private episodes = 0;

  constructor(readonly params: ContentParams) {
    this.topics = Categorical.fromWeights(
      Object.fromEntries(Object.entries(params.podcastTopics).map(([t, p]) => [t, p.weight])),
    );
  }

  /** A new podcast episode: a topic, and each of its categories' levels. */
  episode(rng: Rng): ContentSignals {
    const topic = this.topics.sample(rng);
    const risks: ContentSignals['risks'] = {};
    for (const [category, odds] of Object.entries(this.params.podcastTopics[topic]!.risks)) {
      let u = rng.next();
      for (const level of LEVELS_ABOVE_LOW) {
        const p = odds[level] ?? 0;
        if (u < p) {
          risks[category as SafetyCategory] = level;
          break;
        }
        u -= p;
      }
    }
    return { kind: 'podcast', contentId: `episode-${++this.episodes}`, topics: [topic], risks };
  }

  /**
   * What plays at a break of a session on `playlist`: the session's episode
   * (`current`, kept or replaced), or a track, explicit or not.
   */
  now(rng: Rng, playlist: PlaylistKind, explicit: boolean, current: ContentSignals | null): ContentSignals {
    if (playlist === 'podcast') {
      return current && rng.next() >= this.params.episodeChangeRate ? current : this.episode(rng);
    }
    return {
      kind: playlist === 'radio' ? 'radio' : 'music',
      contentId: '',
      topics: [],
      risks: explicit ? { ...this.params.explicitTrackRisks } : {},
    };
  }
}
