/**
 * R-CAT: the 2019 edition, transcribed from the AWS Partner Network Program 2019 Tier Requirements
 * Guide (v1.2, July 2019) and DOMAIN.md §2–4. Thresholds and interpretations live here as data.
 */
import type { Edition, EditionDecision, FeeTaxRate, RequirementEntry } from './types';

const FEE = { amountUsd: 2500, per: 'membership-year' };
const PRODUCT_LISTING_DECISION =
  'The guide table marks product listing for Technology Select and Advanced; its section 7 names Advanced only. ' +
  'We follow the table (Select and Advanced).';
const LEGACY_DECISION =
  'Each legacy Revenue Tool submission is +1 launched opportunity for 12 months from submission (R-WINDOW reading), ' +
  'on no evaluation date after 2020-03-31, and adds 0 estimated MRR.';
const REVENUE_DECISION =
  'Direct revenue is monthly; the window is the 12 whole calendar months before the evaluation month ' +
  '(2019-12-13 → 2018-12..2019-11). Reserved-instance and other up-front purchases count in their purchase month; ' +
  'channel/SPP resale never counts. Six credit types never reduce revenue, every other credit does; a record ' +
  'never goes below $0. Records count when their domain is one of the partner domains (case-insensitive).';
const REFERENCE_DECISION =
  'A reference counts for 12 months from its designation date (ACE opportunity, legacy) or approval date ' +
  '(Public Reference tool; approvedOn, else designatedOn). Tool entries count only when approved; ACE and legacy ' +
  'references count unless rejected. Non-public references never count. The requirement counts distinct ' +
  'customers (the guide says "publicly referenceable customers"): two references for one customer count once.';
const PLAN_DECISION = 'A business plan counts from the Partner Manager sign-off for 12 months (R-WINDOW reading).';
const VALIDATION_DECISION =
  'Each named competency counts once (names compared case-insensitively), MSP once, Well-Architected once; the ' +
  'Technical Baseline Review is not a Premier validation. A validation counts from achievedOn until expiresOn.';
const CSAT_DECISION =
  'A response counts from its submission date for 12 months once both checks are recorded; the evidence carries ' +
  'no check dates, so a response with both flags set counts from submittedOn.';
const PEOPLE_DECISION =
  'A departure (leftOn) dated after the evaluation date is not yet known on that date: the person counts and the ' +
  'departure does not set expiresNext. Credential expiry dates are known in advance and do.';
const LIFECYCLE_DECISION =
  'Lifecycle requirements are judged by the workflows; the scorecard lists them with met: null and they never ' +
  'affect highestTierMet.';

const consulting: RequirementEntry[] = [
  {
    id: 'program-fee',
    label: 'Annual APN program fee',
    kind: 'lifecycle',
    measure: 'lifecycle',
    judgedBy: ['R-FEE', 'R-GRACE'],
    ruleRefs: ['R-FEE', 'R-GRACE'],
    timeBound: false,
    decisions: [LIFECYCLE_DECISION],
    thresholds: { select: FEE, advanced: FEE, premier: FEE },
  },
  {
    id: 'accredited-professionals',
    label: 'AWS accredited professionals',
    kind: 'evidence',
    measure: 'accredited-professionals',
    ruleRefs: ['R-ACCRED', 'R-ONCE', 'R-PEOPLE'],
    timeBound: false,
    decisions: [PEOPLE_DECISION],
    thresholds: {
      select: { technical: 2, business: 2 },
      advanced: { technical: 4, business: 4 },
      premier: { technical: 10, business: 10 },
    },
  },
  {
    id: 'foundational-certified',
    label: 'AWS foundational certified individuals',
    kind: 'evidence',
    measure: 'foundational-certified',
    ruleRefs: ['R-FOUND', 'R-ONCE', 'R-PEOPLE'],
    timeBound: false,
    thresholds: { select: { individuals: 2 }, advanced: { individuals: 4 }, premier: { individuals: 10 } },
  },
  {
    id: 'technical-certified',
    label: 'AWS technical certified individuals',
    kind: 'evidence',
    measure: 'technical-certified',
    ruleRefs: ['R-TECH', 'R-ONCE', 'R-PEOPLE'],
    timeBound: false,
    thresholds: {
      select: { individuals: 2, professionalOrSpecialty: 0 },
      advanced: { individuals: 6, professionalOrSpecialty: 3 },
      premier: { individuals: 25, professionalOrSpecialty: 10 },
    },
  },
  {
    id: 'launched-opportunities',
    label: 'Launched opportunities',
    kind: 'evidence',
    measure: 'launched-opportunities',
    ruleRefs: ['R-OPP', 'R-LEGACY-OPP', 'R-WINDOW'],
    timeBound: true,
    decisions: [LEGACY_DECISION],
    thresholds: {
      select: { count: 3, estimatedMrr: 1500 },
      advanced: { count: 20, estimatedMrr: 10000 },
      premier: { count: 50, estimatedMrr: 50000 },
    },
  },
  {
    id: 'business-plan',
    label: 'Partner business plan',
    kind: 'evidence',
    measure: 'business-plan',
    ruleRefs: ['R-PLAN', 'R-WINDOW'],
    timeBound: true,
    decisions: [PLAN_DECISION],
    thresholds: { advanced: { signedOff: true }, premier: { signedOff: true } },
  },
  {
    id: 'program-validations',
    label: 'Technical program validations',
    kind: 'evidence',
    measure: 'program-validations',
    ruleRefs: ['R-VALID'],
    timeBound: false,
    decisions: [VALIDATION_DECISION],
    thresholds: {
      premier: {
        count: 3,
        eligible: ['competency', 'msp', 'well-architected'],
        mustIncludeOneOf: [{ program: 'msp' }, { program: 'competency', name: 'DevOps' }],
      },
    },
  },
  {
    id: 'sustained-premier-attainment',
    label: 'Sustained attainment of Premier tier criteria',
    kind: 'lifecycle',
    measure: 'lifecycle',
    judgedBy: ['R-PREMIER'],
    ruleRefs: ['R-PREMIER'],
    timeBound: false,
    decisions: [LIFECYCLE_DECISION],
    thresholds: { premier: { consecutiveMonths: 6, appliesTo: 'new-applicants' } },
  },
  {
    id: 'executive-business-review',
    label: 'Executive Business Review',
    kind: 'lifecycle',
    measure: 'lifecycle',
    judgedBy: ['R-PREMIER', 'R-EBR'],
    ruleRefs: ['R-PREMIER', 'R-EBR'],
    timeBound: false,
    decisions: [LIFECYCLE_DECISION],
    thresholds: { premier: { outcome: 'approved', appliesTo: 'new-applicants' } },
  },
  {
    id: 'public-references',
    label: 'Publicly referenceable customers',
    kind: 'evidence',
    measure: 'public-references',
    ruleRefs: ['R-REF', 'R-WINDOW'],
    timeBound: true,
    decisions: [REFERENCE_DECISION],
    thresholds: { select: { customers: 1 }, advanced: { customers: 2 }, premier: { customers: 6 } },
  },
  {
    id: 'csat-responses',
    label: 'Customer satisfaction responses',
    kind: 'evidence',
    measure: 'csat-responses',
    ruleRefs: ['R-CSAT', 'R-WINDOW'],
    timeBound: true,
    decisions: [CSAT_DECISION],
    thresholds: { select: { responses: 5 }, advanced: { responses: 20 }, premier: { responses: 30 } },
  },
];

const technology: RequirementEntry[] = [
  {
    id: 'program-fee',
    label: 'Annual APN program fee',
    kind: 'lifecycle',
    measure: 'lifecycle',
    judgedBy: ['R-FEE', 'R-GRACE'],
    ruleRefs: ['R-FEE', 'R-GRACE'],
    timeBound: false,
    decisions: [LIFECYCLE_DECISION],
    thresholds: { select: FEE, advanced: FEE },
  },
  {
    id: 'technical-certified',
    label: 'AWS technical certified individuals',
    kind: 'evidence',
    measure: 'technical-certified',
    ruleRefs: ['R-TECH', 'R-ONCE', 'R-PEOPLE'],
    timeBound: false,
    thresholds: {
      select: { individuals: 1, professionalOrSpecialty: 0 },
      advanced: { individuals: 4, professionalOrSpecialty: 2 },
    },
  },
  {
    id: 'direct-revenue',
    label: 'Direct revenue',
    kind: 'evidence',
    measure: 'direct-revenue',
    ruleRefs: ['R-REV', 'R-EXPERIENCE'],
    timeBound: true,
    countsTowardTier: false,
    decisions: [REVENUE_DECISION],
    thresholds: { select: { directRevenue: 15000 }, advanced: { directRevenue: 350000 } },
  },
  {
    id: 'launched-opportunities',
    label: 'Launched opportunities',
    kind: 'evidence',
    measure: 'launched-opportunities',
    ruleRefs: ['R-OPP', 'R-LEGACY-OPP', 'R-WINDOW', 'R-EXPERIENCE'],
    timeBound: true,
    countsTowardTier: false,
    decisions: [LEGACY_DECISION],
    thresholds: {
      select: { count: 3, estimatedMrr: 1500 },
      advanced: { count: 20, estimatedMrr: 10000 },
    },
  },
  {
    id: 'experience',
    label: 'Experience (direct revenue or launched opportunities)',
    kind: 'evidence',
    measure: 'any-of',
    ruleRefs: ['R-EXPERIENCE'],
    timeBound: true,
    decisions: ['Met when direct-revenue or launched-opportunities is met at the tier (FAQ 39); never both needed.'],
    thresholds: {
      select: { anyOf: ['direct-revenue', 'launched-opportunities'] },
      advanced: { anyOf: ['direct-revenue', 'launched-opportunities'] },
    },
  },
  {
    id: 'product-listing',
    label: 'Product listing in General Availability',
    kind: 'evidence',
    measure: 'product-listing',
    ruleRefs: ['R-PRODUCT'],
    timeBound: false,
    decisions: [PRODUCT_LISTING_DECISION],
    thresholds: { select: { generallyAvailable: 1 }, advanced: { generallyAvailable: 1 } },
  },
  {
    id: 'business-plan',
    label: 'Partner business plan',
    kind: 'evidence',
    measure: 'business-plan',
    ruleRefs: ['R-PLAN', 'R-WINDOW'],
    timeBound: true,
    decisions: [PLAN_DECISION],
    thresholds: { advanced: { signedOff: true } },
  },
  {
    id: 'program-validations',
    label: 'Technical Baseline Review',
    kind: 'evidence',
    measure: 'program-validations',
    ruleRefs: ['R-VALID'],
    timeBound: false,
    thresholds: { advanced: { count: 1, eligible: ['technical-baseline-review'] } },
  },
  {
    id: 'public-references',
    label: 'Publicly referenceable customers',
    kind: 'evidence',
    measure: 'public-references',
    ruleRefs: ['R-REF', 'R-WINDOW'],
    timeBound: true,
    decisions: [REFERENCE_DECISION],
    thresholds: { select: { customers: 1 }, advanced: { customers: 2 } },
  },
  {
    id: 'csat-responses',
    label: 'Customer satisfaction responses',
    kind: 'evidence',
    measure: 'csat-responses',
    ruleRefs: ['R-CSAT', 'R-WINDOW'],
    timeBound: true,
    decisions: [CSAT_DECISION],
    thresholds: { select: { responses: 5 }, advanced: { responses: 20 } },
  },
];

const decisions: EditionDecision[] = [
  { id: 'product-listing', ruleRefs: ['R-PRODUCT', 'R-CAT'], text: PRODUCT_LISTING_DECISION },
  { id: 'legacy-opportunity', ruleRefs: ['R-LEGACY-OPP'], text: LEGACY_DECISION },
  { id: 'direct-revenue-window', ruleRefs: ['R-REV'], text: REVENUE_DECISION },
  { id: 'reference-window', ruleRefs: ['R-REF', 'R-WINDOW'], text: REFERENCE_DECISION },
  { id: 'business-plan-window', ruleRefs: ['R-PLAN'], text: PLAN_DECISION },
  { id: 'validations', ruleRefs: ['R-VALID'], text: VALIDATION_DECISION },
  { id: 'csat-date', ruleRefs: ['R-CSAT'], text: CSAT_DECISION },
  { id: 'people-departure', ruleRefs: ['R-PEOPLE'], text: PEOPLE_DECISION },
  { id: 'lifecycle-met-null', ruleRefs: ['R-CAT'], text: LIFECYCLE_DECISION },
  {
    id: 'highest-tier-ladder',
    ruleRefs: ['R-CAT'],
    text: 'highestTierMet is the highest tier reached by climbing the ladder: a tier counts only if every tier below it is met too.',
  },
  {
    id: 'fee-grace',
    ruleRefs: ['R-GRACE'],
    text: 'Reminders at days 30, 60 and 80; one Partner Manager extension of up to 30 days before day 90.',
  },
  {
    id: 'ebr-calendar',
    ruleRefs: ['R-EBR'],
    text:
      'A quarter closes at the end of its last day. Its window opens opensDaysAfterQuarterClose days later (0: the ' +
      'next quarter’s first day; 14: its 15th) and lasts lengthDays days, opening day included. Default 14/30 ' +
      '(Q1 2019: 2019-04-15..2019-05-14); Q3 0/21 (2019-10-01..2019-10-21), ahead of re:Invent.',
  },
  {
    id: 'renewal-reinstatement',
    ruleRefs: ['R-RENEWAL'],
    text: 'A non-compliance downgrade takes effect on the review date; its case stays open 30 days for reinstatement.',
  },
];

/** R-FEE: VAT/GST rates on the fee (see `taxRates`). */
const FEE_TAX_RATES: FeeTaxRate[] = [
  { country: 'US', rate: 0, effectiveFrom: '2000-01-01' },
  { country: 'AU', rate: 0.1, effectiveFrom: '2000-01-01' },
  { country: 'AT', rate: 0.2, effectiveFrom: '2000-01-01' },
  { country: 'BE', rate: 0.21, effectiveFrom: '2000-01-01' },
  { country: 'BR', rate: 0, effectiveFrom: '2000-01-01' },
  { country: 'CA', rate: 0.05, effectiveFrom: '2000-01-01' },
  { country: 'CH', rate: 0.081, effectiveFrom: '2000-01-01' },
  { country: 'DE', rate: 0.19, effectiveFrom: '2000-01-01' },
  { country: 'DK', rate: 0.25, effectiveFrom: '2000-01-01' },
  { country: 'ES', rate: 0.21, effectiveFrom: '2000-01-01' },
  { country: 'FI', rate: 0.24, effectiveFrom: '2013-01-01' },
  { country: 'FI', rate: 0.255, effectiveFrom: '2024-09-01' },
  { country: 'FR', rate: 0.2, effectiveFrom: '2000-01-01' },
  { country: 'GB', rate: 0.2, effectiveFrom: '2000-01-01' },
  { country: 'IE', rate: 0.23, effectiveFrom: '2000-01-01' },
  { country: 'IN', rate: 0.18, effectiveFrom: '2000-01-01' },
  { country: 'IT', rate: 0.22, effectiveFrom: '2000-01-01' },
  { country: 'JP', rate: 0.1, effectiveFrom: '2000-01-01' },
  { country: 'KR', rate: 0.1, effectiveFrom: '2000-01-01' },
  { country: 'MX', rate: 0.16, effectiveFrom: '2000-01-01' },
  { country: 'NL', rate: 0.21, effectiveFrom: '2000-01-01' },
  { country: 'NO', rate: 0.25, effectiveFrom: '2000-01-01' },
  { country: 'NZ', rate: 0.15, effectiveFrom: '2000-01-01' },
  { country: 'PL', rate: 0.23, effectiveFrom: '2000-01-01' },
  { country: 'PT', rate: 0.23, effectiveFrom: '2000-01-01' },
  { country: 'SE', rate: 0.25, effectiveFrom: '2000-01-01' },
  { country: 'SG', rate: 0.09, effectiveFrom: '2000-01-01' },
  { country: 'ZA', rate: 0.15, effectiveFrom: '2000-01-01' },
];

/** The 2019 edition (apn-2019). */
export const apn2019: Edition = {
  id: 'apn-2019',
  title: 'AWS Partner Network Program 2019 Tier Requirements Guide',
  source: 'AWS Partner Network Program 2019 Tier Requirements Guide, July 2019, v1.2',
  counting: {
    windowMonths: 12,
    legacyOpportunity: { creditMonths: 12, lastEvaluationDate: '2020-03-31', estimatedMrr: 0 },
    directRevenue: {
      windowMonths: 12,
      exemptCreditTypes: [
        'MAP Credit',
        'Reseller/SPP Discount',
        'EAP Credit',
        'PMP Credit',
        'LSE Credit',
        'ReThink Discount',
      ],
      excludedKinds: ['channel-resale'],
    },
    referenceCreditMonths: 12,
    businessPlanValidMonths: 12,
  },
  tracks: {
    consulting: { tiers: ['select', 'advanced', 'premier'], requirements: consulting },
    technology: { tiers: ['select', 'advanced'], requirements: technology },
  },
  lifecycle: {
    programFee: {
      amountUsd: 2500,
      fromTier: 'select',
      graceDays: 90,
      reminderDays: [30, 60, 80],
      maxExtensions: 1,
      maxExtensionDays: 30,
      caseEscalationDays: 30,
      // Configuration, not law: the rates the program bills on top of the fee (R-FEE). A country missing here is
      // billed without tax and its invoice says so; add a row (with its effective date) to start charging it.
      taxRates: FEE_TAX_RATES,
    },
    sustainedAttainment: { months: 6, checkEvery: 'month', appliesTo: 'new-applicants' },
    renewal: {
      transitions: [{ renewalFrom: '2019-04-01', renewalTo: '2019-12-13', reviewOn: '2019-12-13' }],
      withoutReview: [
        {
          renewalFrom: '2019-01-01',
          renewalTo: '2019-03-31',
          why: 'the 2019 requirements take effect with April 2019 renewals; the first review under them is the 2020 renewal (FAQ 4)',
        },
      ],
      reinstatementWindowDays: 30,
    },
    ebrCalendar: {
      default: { opensDaysAfterQuarterClose: 14, lengthDays: 30 },
      quarters: { Q3: { opensDaysAfterQuarterClose: 0, lengthDays: 21 } },
    },
  },
  decisions,
};
