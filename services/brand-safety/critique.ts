/**
 * The brand-safety agent's domain (a critic of the negotiation): is the
 * content the listener hears now suitable for each candidate's advertiser?
 * Pure and deterministic; docs/brand-safety.md explains the rule.
 *
 * A candidate's adjacency breaks its advertiser's preferences (a veto,
 * REASON_UNSUITABLE_CONTENT) when:
 *   - the content is at the floor in any category (the GARM brand-safety
 *     floor: never monetised, whoever the advertiser);
 *   - a category's risk is above the level the advertiser accepts;
 *   - the content is explicit and the advertiser avoids explicit content;
 *   - a topic of the content is one the advertiser avoids.
 * Every breach is named in the detail. Otherwise the verdict's value is the
 * critic's term of the joint utility: 0 for content that is low in every
 * category, else minus the share of the advertiser's tolerance the riskiest
 * category uses (medium content where medium is the most accepted: −1; where
 * high is: −0.5; high content where high is: −1), so that the broker prefers
 * the ad whose advertiser is the more comfortable next to this content.
 *
 * Without content signals (null: the ad server sent none) only the explicit
 * flag can be judged; categories and topics cannot, and pass with value 0.
 */
import type { BrandSafety, Catalogue } from '../common/catalogue/types';
import type {
  ContentSignals,
  Critique,
  CritiqueInput,
  RiskLevel,
  SafetyCategory,
  Verdict,
} from '../common/domain/types';

export const BRAND_SAFETY_MODEL_VERSION = 'brand-safety-rules-v1';

/** Each category as a person reads it (common.proto's SafetyCategory comments). */
export const CATEGORY_NAMES: Record<SafetyCategory, string> = {
  adult: 'adult and explicit sexual content',
  arms: 'arms and ammunition',
  crime: 'crime and harmful acts',
  death_injury_conflict: 'death, injury or military conflict',
  piracy: 'online piracy',
  hate_speech: 'hate speech and acts of aggression',
  obscenity: 'obscenity and profanity',
  drugs_alcohol_tobacco: 'illegal drugs, tobacco, vaping and alcohol',
  spam: 'spam or harmful content',
  terrorism: 'terrorism',
  social_issues: 'debated sensitive social issues',
};

const RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2, floor: 3 };

/** What the content means for one advertiser: a breach of its preferences, or a value. */
export type Adjacency =
  | { suitable: false; breaches: string[] }
  | { suitable: true; value: number; detail: string };

const CLEAN: Adjacency = { suitable: true, value: 0, detail: '' };
const UNRATED: Adjacency = {
  suitable: true,
  value: 0,
  detail: 'no content signals: categories and topics not checked',
};

/**
 * Judges the content for an advertiser with preferences `prefs` (undefined =
 * none declared: everything up to high is accepted). `explicit` is the
 * request's explicit-content flag, `content` its content signals (null = none sent).
 */
export function adjacency(
  prefs: BrandSafety | undefined,
  content: ContentSignals | null,
  explicit: boolean,
): Adjacency {
  const breaches: string[] = [];
  let used = 0;
  let riskiest = '';
  for (const [category, level] of Object.entries(content?.risks ?? {}) as Array<
    [SafetyCategory, RiskLevel]
  >) {
    if (level === 'low') continue;
    const accepted = prefs?.maxRisk[category] ?? 'high';
    if (level === 'floor') {
      breaches.push(
        `${CATEGORY_NAMES[category]} at floor level: below the brand-safety floor, never monetised`,
      );
    } else if (RANK[level] > RANK[accepted]) {
      breaches.push(
        `${CATEGORY_NAMES[category]} at ${level} risk, above the ${accepted} the advertiser accepts ` +
          `(brand_safety.max_risk.${category})`,
      );
    } else if (RANK[level] / RANK[accepted] > used) {
      used = RANK[level] / RANK[accepted];
      riskiest = `${CATEGORY_NAMES[category]} at ${level} risk (the advertiser accepts up to ${accepted})`;
    }
  }
  if (explicit && prefs?.avoidExplicit)
    breaches.push('explicit content, which the advertiser avoids (brand_safety.avoid_explicit)');
  for (const topic of content?.topics ?? []) {
    if (prefs?.avoidTopics.includes(topic))
      breaches.push(`topic ${topic}, which the advertiser avoids (brand_safety.avoid_topics)`);
  }
  if (breaches.length > 0) return { suitable: false, breaches };
  if (!content) return UNRATED;
  return used > 0 ? { suitable: true, value: -used, detail: riskiest } : CLEAN;
}

/** The critic's judgement of a round's candidates (one verdict each, in order). */
export function critique(input: CritiqueInput, catalogue: Catalogue): Critique {
  const { content, explicitContent } = input.signals;
  const byAdvertiser = new Map<string, Adjacency>();
  const verdicts = input.candidates.map((c): Verdict => {
    let a = byAdvertiser.get(c.advertiserId);
    if (!a) {
      a = adjacency(catalogue.advertisers.get(c.advertiserId)?.brandSafety, content, explicitContent);
      byAdvertiser.set(c.advertiserId, a);
    }
    return a.suitable
      ? {
          creativeId: c.creativeId,
          eligible: true,
          reason: null,
          detail: a.detail,
          value: a.value,
          pacingMultiplier: 0,
          goal: '',
        }
      : {
          creativeId: c.creativeId,
          eligible: false,
          reason: 'REASON_UNSUITABLE_CONTENT',
          detail: `${c.advertiserId}: ${a.breaches.join('; ')}`,
          value: 0,
          pacingMultiplier: 0,
          goal: '',
        };
  });
  return { verdicts, modelVersion: BRAND_SAFETY_MODEL_VERSION };
}
