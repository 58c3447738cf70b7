/**
 * Shape of a requirement catalog edition (R-CAT). An edition is pure data: thresholds per track and
 * tier, counting parameters, lifecycle parameters and the interpretations (Decisions) taken. The
 * evaluator reads editions; adding one never touches it.
 */
import type { Tier, Track } from '../tiers';

export type RequirementKind = 'evidence' | 'lifecycle';
export type TierMap<T> = Partial<Record<Tier, T>>;
export type ValidationProgram = 'competency' | 'msp' | 'well-architected' | 'technical-baseline-review';

/** A validation a tier insists on: a program, or one named competency of it. */
export interface ValidationRef {
  program: ValidationProgram;
  name?: string;
}

export interface AccreditedThreshold {
  technical: number;
  business: number;
}
export interface FoundationalThreshold {
  individuals: number;
}
export interface TechnicalThreshold {
  individuals: number;
  professionalOrSpecialty: number;
}
export interface OpportunitiesThreshold {
  count: number;
  estimatedMrr: number;
}
export interface RevenueThreshold {
  directRevenue: number;
}
export interface AnyOfThreshold {
  anyOf: string[];
}
export interface ProductThreshold {
  generallyAvailable: number;
}
export interface PlanThreshold {
  signedOff: true;
}
export interface ValidationsThreshold {
  count: number;
  eligible: ValidationProgram[];
  mustIncludeOneOf?: ValidationRef[];
}
export interface ReferencesThreshold {
  customers: number;
}
export interface CsatThreshold {
  responses: number;
}
export type LifecycleThreshold = Record<string, string | number | boolean | number[] | string[]>;

interface EntryBase {
  /** Requirement id, exactly as in DOMAIN §2. */
  id: string;
  label: string;
  kind: RequirementKind;
  ruleRefs: string[];
  /** `*` in the guide: only evidence from the rolling window counts. */
  timeBound: boolean;
  /** Interpretations taken where the guide is silent or contradicts itself. */
  decisions?: string[];
  /** False for results shown for information but not required themselves (technology experience options). */
  countsTowardTier?: boolean;
}

export type RequirementEntry =
  | (EntryBase & { measure: 'accredited-professionals'; thresholds: TierMap<AccreditedThreshold> })
  | (EntryBase & { measure: 'foundational-certified'; thresholds: TierMap<FoundationalThreshold> })
  | (EntryBase & { measure: 'technical-certified'; thresholds: TierMap<TechnicalThreshold> })
  | (EntryBase & { measure: 'launched-opportunities'; thresholds: TierMap<OpportunitiesThreshold> })
  | (EntryBase & { measure: 'direct-revenue'; thresholds: TierMap<RevenueThreshold> })
  | (EntryBase & { measure: 'any-of'; thresholds: TierMap<AnyOfThreshold> })
  | (EntryBase & { measure: 'product-listing'; thresholds: TierMap<ProductThreshold> })
  | (EntryBase & { measure: 'business-plan'; thresholds: TierMap<PlanThreshold> })
  | (EntryBase & { measure: 'program-validations'; thresholds: TierMap<ValidationsThreshold> })
  | (EntryBase & { measure: 'public-references'; thresholds: TierMap<ReferencesThreshold> })
  | (EntryBase & { measure: 'csat-responses'; thresholds: TierMap<CsatThreshold> })
  | (EntryBase & { measure: 'lifecycle'; judgedBy: string[]; thresholds: TierMap<LifecycleThreshold> });

export type Measure = RequirementEntry['measure'];

export interface TrackCatalog {
  /** Tiers of this track, lowest first (registered excluded: it is not a tier, FAQ 9). */
  tiers: Tier[];
  requirements: RequirementEntry[];
}

export interface EbrWindowRule {
  /** Days after the quarter closes (end of its last day) at which the window opens: 0 is the next quarter's first day. */
  opensDaysAfterQuarterClose: number;
  /** Length of the window in days, opening day included. */
  lengthDays: number;
}

/** R-EBR: when Executive Business Review windows run. */
export interface EbrCalendar {
  default: EbrWindowRule;
  quarters?: Partial<Record<'Q1' | 'Q2' | 'Q3' | 'Q4', EbrWindowRule>>;
}

export interface RenewalTransition {
  /** Renewal dates in [renewalFrom, renewalTo] are reviewed on reviewOn (the fee still follows the real date). */
  renewalFrom: string;
  renewalTo: string;
  reviewOn: string;
}

/** Renewal dates in [renewalFrom, renewalTo] get no compliance review under this edition (the fee is still billed). */
export interface RenewalWithoutReview {
  renewalFrom: string;
  renewalTo: string;
  why: string;
}

export interface FeeTaxRate {
  country: string;
  /** A fraction: 0.19 is 19 %. */
  rate: number;
  effectiveFrom: string;
}

/** Parameters the lifecycle workflows read (R-FEE, R-GRACE, R-RENEWAL, R-PREMIER, R-EBR). */
export interface LifecycleParameters {
  programFee: {
    amountUsd: number;
    /** Invoiced for partners at this tier or above. */
    fromTier: Tier;
    graceDays: number;
    reminderDays: number[];
    maxExtensions: number;
    maxExtensionDays: number;
    /** R-GRACE: days a fee-unpaid case may stay undecided before program admins are notified. */
    caseEscalationDays: number;
    /** R-FEE: VAT/GST on top of the fee, by ISO 3166-1 alpha-2 country, each rate from its effective date. */
    taxRates: FeeTaxRate[];
  };
  sustainedAttainment: { months: number; checkEvery: 'month'; appliesTo: 'new-applicants' };
  renewal: {
    transitions: RenewalTransition[];
    /** Optional so that test editions need not name any. */
    withoutReview?: RenewalWithoutReview[];
    reinstatementWindowDays: number;
  };
  ebrCalendar: EbrCalendar;
}

export interface CountingParameters {
  /** R-WINDOW: the rolling window of time-bound evidence, in months. */
  windowMonths: number;
  /** R-LEGACY-OPP. */
  legacyOpportunity: { creditMonths: number; lastEvaluationDate: string; estimatedMrr: number };
  /** R-REV. */
  directRevenue: { windowMonths: number; exemptCreditTypes: string[]; excludedKinds: string[] };
  /** R-REF: how long a reference counts from its designation/approval date. */
  referenceCreditMonths: number;
  /** R-PLAN: how long a sign-off counts. */
  businessPlanValidMonths: number;
}

export interface EditionDecision {
  id: string;
  ruleRefs: string[];
  text: string;
}

export interface Edition {
  id: string;
  title: string;
  source: string;
  counting: CountingParameters;
  tracks: Record<Track, TrackCatalog>;
  lifecycle: LifecycleParameters;
  /** Every interpretation of the guide, in one list (entries also carry their own). */
  decisions: EditionDecision[];
}
