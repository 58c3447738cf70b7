/**
 * evaluateScorecard: evidence on a date → Scorecard (CONTRACT §2). Reads the catalog edition as data;
 * every fact family is gathered once per date in a single pass over its evidence list.
 */
import { z } from 'zod';
import { currentEdition, getEdition } from './catalog';
import type { Edition, RequirementEntry, TierMap } from './catalog/types';
import { isIsoDate, type IsoDate } from './dates';
import { IsoDateSchema, type PartnerEvidence } from './evidence/document';
import {
  csatFacts,
  factContext,
  judgeAccredited,
  judgeCsat,
  judgeFoundational,
  judgeListing,
  judgeOpportunities,
  judgePlan,
  judgeReferences,
  judgeRevenue,
  judgeTechnical,
  judgeValidations,
  listingFacts,
  opportunityFacts,
  peopleFacts,
  planFacts,
  referenceFacts,
  revenueFacts,
  validationFacts,
  type FactContext,
  type Judgement,
} from './measures';
import { TierSchema, TrackSchema, tierLabel, tierRank, type Tier } from './tiers';

export const RequirementResultSchema = z.object({
  id: z.string(),
  label: z.string(),
  ruleRefs: z.array(z.string()),
  kind: z.enum(['evidence', 'lifecycle']),
  /** null for lifecycle requirements: the workflows judge them. */
  met: z.boolean().nullable(),
  actual: z.record(z.string(), z.unknown()).nullable(),
  required: z.record(z.string(), z.unknown()),
  gap: z.string().optional(),
  /** First date a counted item leaves its window or expires (no new evidence assumed). */
  expiresNext: IsoDateSchema.optional(),
  /** What that costs: `drops below Select on 2020-01-15`. */
  expiresNextEffect: z.string().optional(),
  /** `actual` as it will be on expiresNext. */
  expiresNextActual: z.record(z.string(), z.unknown()).optional(),
  /** False for results shown for information only (technology: direct-revenue, launched-opportunities). */
  countsTowardTier: z.boolean(),
  timeBound: z.boolean(),
  /** Lifecycle only: the rules whose workflows judge this requirement. */
  judgedBy: z.array(z.string()).optional(),
});
export type RequirementResult = z.infer<typeof RequirementResultSchema>;

export const TierResultSchema = z.object({
  met: z.boolean(),
  requirements: z.array(RequirementResultSchema),
  /** Gap sentences of the unmet requirements that count toward the tier. */
  gaps: z.array(z.string()),
});
export type TierResult = z.infer<typeof TierResultSchema>;

export const ScorecardSchema = z.object({
  track: TrackSchema,
  asOf: IsoDateSchema,
  editionId: z.string(),
  /** Evidence-based criteria only; lifecycle requirements never affect it. */
  highestTierMet: TierSchema,
  tiers: z.object({
    select: TierResultSchema.optional(),
    advanced: TierResultSchema.optional(),
    premier: TierResultSchema.optional(),
  }),
  /** Present when the evidence names the partner's current tier. */
  currentTier: TierSchema.optional(),
  /** Whether the evidence meets the current tier (highestTierMet at or above it). */
  compliantWithCurrentTier: z.boolean().optional(),
});
export type Scorecard = z.infer<typeof ScorecardSchema>;

/** Memoises fact families per date so each evidence list is walked once per date. */
class Facts {
  private readonly cache = new Map<string, unknown>();
  constructor(readonly ctx: FactContext) {}

  get<T>(family: string, at: IsoDate, gather: (ctx: FactContext, at: IsoDate) => T): T {
    const key = `${family}|${at}`;
    if (!this.cache.has(key)) this.cache.set(key, gather(this.ctx, at));
    return this.cache.get(key) as T;
  }
}

function threshold<T>(map: TierMap<T>, tier: Tier): T | undefined {
  return map[tier];
}

/** Judges one evidence requirement at one tier on date `at`; undefined when the tier does not need it. */
function judge(facts: Facts, entries: readonly RequirementEntry[], entry: RequirementEntry, tier: Tier, at: IsoDate) {
  const months = facts.ctx.edition.counting.businessPlanValidMonths;
  switch (entry.measure) {
    case 'accredited-professionals': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeAccredited(facts.get('people', at, peopleFacts), t);
    }
    case 'foundational-certified': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeFoundational(facts.get('people', at, peopleFacts), t);
    }
    case 'technical-certified': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeTechnical(facts.get('people', at, peopleFacts), t);
    }
    case 'launched-opportunities': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeOpportunities(facts.get('opportunities', at, opportunityFacts), t);
    }
    case 'direct-revenue': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeRevenue(facts.get('revenue', at, revenueFacts), t);
    }
    case 'product-listing': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeListing(facts.get('listings', at, listingFacts), t);
    }
    case 'business-plan': {
      const t = threshold(entry.thresholds, tier);
      return t && judgePlan(facts.get('plan', at, planFacts), t, months);
    }
    case 'program-validations': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeValidations(facts.get('validations', at, validationFacts), t);
    }
    case 'public-references': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeReferences(facts.get('references', at, referenceFacts), t);
    }
    case 'csat-responses': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeCsat(facts.get('csat', at, csatFacts), t);
    }
    case 'any-of': {
      const t = threshold(entry.thresholds, tier);
      return t && judgeAnyOf(facts, entries, t.anyOf, tier, at);
    }
    case 'lifecycle':
      return undefined;
  }
}

/** R-EXPERIENCE: met when any member is met at the tier; never needs both. */
function judgeAnyOf(
  facts: Facts,
  entries: readonly RequirementEntry[],
  anyOf: readonly string[],
  tier: Tier,
  at: IsoDate,
): Judgement {
  const members: [string, Judgement][] = [];
  for (const id of anyOf) {
    const member = entries.find((e) => e.id === id && e.measure !== 'any-of');
    const j = member && judge(facts, entries, member, tier, at);
    if (j) members.push([id, j]);
  }
  const metBy = members.filter(([, j]) => j.met).map(([id]) => id);
  // Meeting it is kept until the last met option lapses; short of it, the first option to lapse matters.
  const relevant = metBy.length > 0 ? members.filter(([, j]) => j.met) : members;
  let expiresNext: IsoDate | undefined;
  for (const [, j] of relevant)
    if (j.expiresNext && (!expiresNext || j.expiresNext < expiresNext)) expiresNext = j.expiresNext;
  const gaps = members.map(([, j]) => j.gap).filter((g): g is string => g !== undefined);
  return {
    met: metBy.length > 0,
    actual: { metBy },
    required: { anyOf: [...anyOf] },
    gap: metBy.length > 0 ? undefined : `either ${gaps.join(', or ')}`,
    expiresNext,
  };
}

function effectText(now: Judgement, then: Judgement, tier: Tier, on: IsoDate): string {
  const label = tierLabel(tier);
  if (now.met && !then.met) return `drops below ${label} on ${on}`;
  if (now.met) return `still meets ${label} on ${on}`;
  return `${label} gap grows on ${on}`;
}

function resolveEdition(edition: string | Edition | undefined): Edition {
  if (edition === undefined) return currentEdition;
  return typeof edition === 'string' ? getEdition(edition) : edition;
}

/**
 * Scores a partner's evidence on `asOf` against a catalog edition (default: the current one).
 * Evidence dated after `asOf` is ignored. Throws RangeError for an invalid date or unknown edition.
 */
export function evaluateScorecard(evidence: PartnerEvidence, asOf: IsoDate, edition?: string | Edition): Scorecard {
  if (typeof asOf !== 'string' || !isIsoDate(asOf))
    throw new RangeError(`asOf is not a real date YYYY-MM-DD: ${String(asOf)}`);
  const ed = resolveEdition(edition);
  const track = ed.tracks[evidence.track];
  const facts = new Facts(factContext(evidence, ed, asOf));
  const tiers: Scorecard['tiers'] = {};
  let highestTierMet: Tier = 'registered';
  let climbing = true;

  for (const tier of track.tiers) {
    const requirements: RequirementResult[] = [];
    for (const entry of track.requirements) {
      const result = evaluateRequirement(facts, track.requirements, entry, tier, asOf);
      if (result) requirements.push(result);
    }
    const counting = requirements.filter((r) => r.kind === 'evidence' && r.countsTowardTier);
    const met = counting.every((r) => r.met === true);
    tiers[tier as 'select' | 'advanced' | 'premier'] = {
      met,
      requirements,
      gaps: counting.filter((r) => r.met === false && r.gap).map((r) => `${r.label}: ${r.gap ?? ''}`),
    };
    // Decision highest-tier-ladder: a tier counts only when every tier below it is met too.
    climbing = climbing && met;
    if (climbing) highestTierMet = tier;
  }

  const scorecard: Scorecard = { track: evidence.track, asOf, editionId: ed.id, highestTierMet, tiers };
  if (evidence.tier) {
    scorecard.currentTier = evidence.tier;
    scorecard.compliantWithCurrentTier = tierRank(highestTierMet) >= tierRank(evidence.tier);
  }
  return scorecard;
}

function evaluateRequirement(
  facts: Facts,
  entries: readonly RequirementEntry[],
  entry: RequirementEntry,
  tier: Tier,
  asOf: IsoDate,
): RequirementResult | undefined {
  const common = {
    countsTowardTier: entry.countsTowardTier ?? true,
    timeBound: entry.timeBound,
  };
  if (entry.measure === 'lifecycle') {
    const t = threshold(entry.thresholds, tier);
    if (!t) return undefined;
    return {
      id: entry.id,
      label: entry.label,
      ruleRefs: [...entry.ruleRefs],
      kind: 'lifecycle',
      met: null,
      actual: null,
      required: { ...t },
      ...common,
      judgedBy: [...entry.judgedBy],
    };
  }
  const now = judge(facts, entries, entry, tier, asOf);
  if (!now) return undefined;
  const on = now.expiresNext;
  const then = on === undefined ? undefined : judge(facts, entries, entry, tier, on);
  return {
    id: entry.id,
    label: entry.label,
    ruleRefs: [...entry.ruleRefs],
    kind: 'evidence',
    met: now.met,
    actual: now.actual,
    required: now.required,
    ...(now.gap === undefined ? {} : { gap: now.gap }),
    ...(on === undefined ? {} : { expiresNext: on }),
    ...(on === undefined || then === undefined
      ? {}
      : { expiresNextEffect: effectText(now, then, tier, on), expiresNextActual: then.actual }),
    ...common,
  };
}

/** One line per unmet counting requirement of a tier, for messages such as an upgrade rejection. */
export function tierGaps(scorecard: Scorecard, tier: Tier): string[] {
  if (tier === 'registered') return [];
  const t = scorecard.tiers[tier];
  return t ? [...t.gaps] : [`${tierLabel(tier)} does not exist on the ${scorecard.track} track`];
}

/** Whether the evidence meets every evidence requirement of `tier` (registered: always). */
export function meetsTier(scorecard: Scorecard, tier: Tier): boolean {
  if (tier === 'registered') return true;
  return scorecard.tiers[tier]?.met ?? false;
}
