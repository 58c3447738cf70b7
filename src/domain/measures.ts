/**
 * Counting rules (DOMAIN §3). Each family of facts is gathered in one pass over its evidence list at a
 * date `at`, reading only evidence known by `knownBy` (the evaluation date): facts at a later `at` tell
 * what the same evidence is worth when items leave their windows.
 */
import type {
  AccreditedThreshold,
  CsatThreshold,
  Edition,
  FoundationalThreshold,
  OpportunitiesThreshold,
  PlanThreshold,
  ProductThreshold,
  ReferencesThreshold,
  RevenueThreshold,
  TechnicalThreshold,
  ValidationRef,
  ValidationsThreshold,
} from './catalog/types';
import {
  addDays,
  addMonths,
  addMonthsToMonth,
  firstDayOf,
  minDate,
  monthOf,
  rollingWindowLeavesOn,
  type IsoDate,
} from './dates';
import type { Credential, PartnerEvidence } from './evidence/document';
import { FOUNDATIONAL_CERTIFICATION } from './evidence/document';
import { formatUsd, fromCents, joinAnd, plural, toCents } from './text';

/** What one requirement looks like at one tier and date. */
export interface Judgement {
  met: boolean;
  actual: Record<string, unknown>;
  required: Record<string, unknown>;
  gap?: string;
  expiresNext?: IsoDate;
}

/** Evidence plus the evaluation date: everything a fact-gathering pass may read. */
export interface FactContext {
  evidence: PartnerEvidence;
  edition: Edition;
  /** Evidence starting after this date is unknown (the evaluation date). */
  knownBy: IsoDate;
  domains: ReadonlySet<string>;
  exemptCredits: ReadonlySet<string>;
  excludedRevenueKinds: ReadonlySet<string>;
}

export function factContext(evidence: PartnerEvidence, edition: Edition, knownBy: IsoDate): FactContext {
  const rev = edition.counting.directRevenue;
  return {
    evidence,
    edition,
    knownBy,
    domains: new Set((evidence.domains ?? []).map((d) => d.toLowerCase())),
    exemptCredits: new Set(rev.exemptCreditTypes.map(normalise)),
    excludedRevenueKinds: new Set(rev.excludedKinds),
  };
}

function normalise(s: string): string {
  return s.trim().toLowerCase();
}

/** Known on `knownBy` and still running on `at`: start ≤ knownBy and (no end or end > at) (R-PEOPLE). */
function active(start: IsoDate, end: IsoDate | null | undefined, ctx: FactContext, at: IsoDate): boolean {
  return start <= ctx.knownBy && (end === null || end === undefined || end > at);
}

/**
 * R-WINDOW for one pass: an item dated `d` counts on `at` when `at − months < d ≤ at`, and only if
 * known by the evaluation date. The bounds are computed once per pass; items compare as strings.
 */
function windowTest(months: number, ctx: FactContext, at: IsoDate): (date: IsoDate) => boolean {
  const after = addMonths(at, -months);
  const last = at < ctx.knownBy ? at : ctx.knownBy;
  return (date) => date > after && date <= last;
}

/** The first date an item dated `oldest` (the oldest counted) leaves the window; leave dates grow with item dates. */
function leavesOn(oldest: IsoDate | undefined, months: number): IsoDate | undefined {
  return oldest === undefined ? undefined : rollingWindowLeavesOn(oldest, months);
}

// An end date while held: undefined = not held, null = held with no expiry.
type End = IsoDate | null | undefined;

function extendEnd(current: End, end: IsoDate | null | undefined): End {
  if (current === null || end === null || end === undefined) return null;
  return current === undefined || end > current ? end : current;
}

function earliest(current: IsoDate | undefined, end: End): IsoDate | undefined {
  return end === null || end === undefined ? current : minDate(current, end);
}

// ---------------------------------------------------------------------------------------------------
// People: R-PEOPLE, R-ONCE, R-ACCRED, R-FOUND, R-TECH — one pass over individuals.

export interface PeopleFacts {
  technicalOnly: number;
  businessOnly: number;
  both: number;
  accreditedExpiresNext?: IsoDate;
  foundational: number;
  foundationalExpiresNext?: IsoDate;
  technical: number;
  professionalOrSpecialty: number;
  technicalExpiresNext?: IsoDate;
}

export function peopleFacts(ctx: FactContext, at: IsoDate): PeopleFacts {
  const f: PeopleFacts = {
    technicalOnly: 0,
    businessOnly: 0,
    both: 0,
    foundational: 0,
    technical: 0,
    professionalOrSpecialty: 0,
  };
  for (const person of ctx.evidence.individuals ?? []) {
    if (person.registeredOn > ctx.knownBy) continue;
    // A departure after the evaluation date is not yet known (Decision people-departure).
    if (person.leftOn && person.leftOn <= ctx.knownBy) continue;
    let tech: End;
    let business: End;
    let cloudPractitioner: End;
    let associate: End;
    let proSpec: End;
    for (const c of person.credentials ?? []) {
      if (!active(c.earnedOn, c.expiresOn, ctx, at)) continue;
      const end = c.expiresOn;
      if (c.type === 'accreditation') {
        if (c.name === 'technical-professional') tech = extendEnd(tech, end);
        else if (c.name === 'business-professional') business = extendEnd(business, end);
      } else if (isFoundational(c)) cloudPractitioner = extendEnd(cloudPractitioner, end);
      else if (c.level === 'associate') associate = extendEnd(associate, end);
      else proSpec = extendEnd(proSpec, end);
    }
    if (tech !== undefined && business !== undefined) f.both++;
    else if (tech !== undefined) f.technicalOnly++;
    else if (business !== undefined) f.businessOnly++;
    f.accreditedExpiresNext = earliest(earliest(f.accreditedExpiresNext, tech), business);
    if (cloudPractitioner !== undefined) {
      f.foundational++;
      f.foundationalExpiresNext = earliest(f.foundationalExpiresNext, cloudPractitioner);
    }
    // R-TECH: counted once, at the highest level held; Professional and Specialty rank equal.
    if (proSpec !== undefined) {
      f.technical++;
      f.professionalOrSpecialty++;
      f.technicalExpiresNext = earliest(f.technicalExpiresNext, proSpec);
    } else if (associate !== undefined) {
      f.technical++;
      f.technicalExpiresNext = earliest(f.technicalExpiresNext, associate);
    }
  }
  return f;
}

function isFoundational(c: Credential): boolean {
  return c.type === 'certification' && (c.level === 'foundational' || c.name === FOUNDATIONAL_CERTIFICATION);
}

/** R-ACCRED: distinct people must fill both minima; a holder of both fills either side, never both. */
export function judgeAccredited(f: PeopleFacts, t: AccreditedThreshold): Judgement {
  const tFromOnly = Math.min(f.technicalOnly, t.technical);
  const bFromOnly = Math.min(f.businessOnly, t.business);
  const techOpen = t.technical - tFromOnly;
  const busOpen = t.business - bFromOnly;
  const shortfall = Math.max(0, techOpen + busOpen - f.both);
  const technical = f.technicalOnly + f.both;
  const business = f.businessOnly + f.both;
  const met = shortfall === 0 && technical >= t.technical && business >= t.business;
  const j: Judgement = {
    met,
    actual: {
      individuals: f.technicalOnly + f.businessOnly + f.both,
      technical,
      business,
      both: f.both,
    },
    required: { individuals: t.technical + t.business, technical: t.technical, business: t.business },
    expiresNext: f.accreditedExpiresNext,
  };
  if (!met) {
    const needTech = Math.max(0, techOpen - f.both);
    const needBus = Math.max(0, busOpen - f.both);
    const sides: string[] = [];
    if (needTech > 0) sides.push(`${needTech} Technical Professional`);
    if (needBus > 0) sides.push(`${needBus} Business Professional`);
    j.gap =
      plural(shortfall, 'more accredited individual', 'more accredited individuals') +
      (sides.length > 0 ? ` (at least ${joinAnd(sides)})` : '');
  }
  return j;
}

/** R-FOUND: Cloud Practitioner holders, each once. */
export function judgeFoundational(f: PeopleFacts, t: FoundationalThreshold): Judgement {
  const met = f.foundational >= t.individuals;
  return {
    met,
    actual: { individuals: f.foundational },
    required: { individuals: t.individuals },
    gap: met
      ? undefined
      : `${plural(t.individuals - f.foundational, 'more Cloud Practitioner certified individual', 'more Cloud Practitioner certified individuals')}`,
    expiresNext: f.foundationalExpiresNext,
  };
}

/** R-TECH: Associate/Professional/Specialty holders, each once at the highest level. */
export function judgeTechnical(f: PeopleFacts, t: TechnicalThreshold): Judgement {
  const needPs = Math.max(0, t.professionalOrSpecialty - f.professionalOrSpecialty);
  const needAll = Math.max(0, t.individuals - f.technical);
  const met = needPs === 0 && needAll === 0;
  let gap: string | undefined;
  if (!met) {
    const ps = plural(
      needPs,
      'more Professional or Specialty certified individual',
      'more Professional or Specialty certified individuals',
    );
    gap =
      needPs >= needAll
        ? ps
        : `${plural(needAll, 'more technical certified individual', 'more technical certified individuals')} ` +
          `(Associate, Professional or Specialty)` +
          (needPs > 0 ? `, of whom ${needPs} at Professional or Specialty level` : '');
  }
  return {
    met,
    actual: { individuals: f.technical, professionalOrSpecialty: f.professionalOrSpecialty },
    required: { individuals: t.individuals, professionalOrSpecialty: t.professionalOrSpecialty },
    gap,
    expiresNext: f.technicalExpiresNext,
  };
}

// ---------------------------------------------------------------------------------------------------
// Launched opportunities: R-OPP, R-LEGACY-OPP.

export interface OpportunityFacts {
  launched: number;
  legacyCredits: number;
  mrrCents: number;
  expiresNext?: IsoDate;
}

export function opportunityFacts(ctx: FactContext, at: IsoDate): OpportunityFacts {
  const months = ctx.edition.counting.windowMonths;
  const legacy = ctx.edition.counting.legacyOpportunity;
  const counts = windowTest(months, ctx, at);
  const f: OpportunityFacts = { launched: 0, legacyCredits: 0, mrrCents: 0 };
  let oldest: IsoDate | undefined;
  for (const o of ctx.evidence.opportunities ?? []) {
    // FAQ 30: AWS Marketplace transactions never count.
    if (o.status !== 'launched' || o.source === 'marketplace' || !o.launchedOn) continue;
    if (!counts(o.launchedOn)) continue;
    f.launched++;
    f.mrrCents += toCents(o.estimatedMrr);
    oldest = minDate(oldest, o.launchedOn);
  }
  f.expiresNext = leavesOn(oldest, months);
  if (at <= legacy.lastEvaluationDate) {
    const legacyCounts = windowTest(legacy.creditMonths, ctx, at);
    let oldestLegacy: IsoDate | undefined;
    for (const s of ctx.evidence.legacyRevenueSubmissions ?? []) {
      if (!legacyCounts(s.submittedOn)) continue;
      f.legacyCredits++;
      f.mrrCents += toCents(legacy.estimatedMrr);
      oldestLegacy = minDate(oldestLegacy, s.submittedOn);
    }
    if (oldestLegacy !== undefined) {
      const ends = minDate(leavesOn(oldestLegacy, legacy.creditMonths), addDays(legacy.lastEvaluationDate, 1));
      f.expiresNext = minDate(f.expiresNext, ends);
    }
  }
  return f;
}

export function judgeOpportunities(f: OpportunityFacts, t: OpportunitiesThreshold): Judgement {
  const count = f.launched + f.legacyCredits;
  const needCount = Math.max(0, t.count - count);
  const needCents = Math.max(0, toCents(t.estimatedMrr) - f.mrrCents);
  const parts: string[] = [];
  if (needCount > 0) parts.push(plural(needCount, 'more launched opportunity', 'more launched opportunities'));
  if (needCents > 0) parts.push(`${formatUsd(needCents)} more estimated MRR from launched opportunities`);
  return {
    met: parts.length === 0,
    actual: { count, launched: f.launched, legacyCredits: f.legacyCredits, estimatedMrr: fromCents(f.mrrCents) },
    required: { count: t.count, estimatedMrr: t.estimatedMrr },
    gap: parts.length > 0 ? joinAnd(parts) : undefined,
    expiresNext: f.expiresNext,
  };
}

// ---------------------------------------------------------------------------------------------------
// Direct revenue: R-REV (technology only).

export interface RevenueFacts {
  cents: number;
  fromMonth: string;
  toMonth: string;
  expiresNext?: IsoDate;
}

export function revenueFacts(ctx: FactContext, at: IsoDate): RevenueFacts {
  const months = ctx.edition.counting.directRevenue.windowMonths;
  const atMonth = monthOf(at);
  const fromMonth = addMonthsToMonth(atMonth, -months);
  const toMonth = addMonthsToMonth(atMonth, -1);
  // Months not yet closed on the evaluation date are not known yet.
  const lastKnownMonth = addMonthsToMonth(monthOf(ctx.knownBy), -1);
  const f: RevenueFacts = { cents: 0, fromMonth, toMonth };
  let oldest: string | undefined;
  for (const r of ctx.evidence.directRevenue ?? []) {
    if (r.month < fromMonth || r.month > toMonth || r.month > lastKnownMonth) continue;
    if (ctx.excludedRevenueKinds.has(r.kind)) continue; // FAQ 29: channel/SPP resale never counts.
    if (!ctx.domains.has(r.domain.toLowerCase())) continue; // FAQ 38: matched through registered domains.
    let cents = toCents(r.billed);
    for (const c of r.credits ?? []) {
      if (!ctx.exemptCredits.has(normalise(c.type))) cents -= toCents(c.amount); // FAQ 40
    }
    if (cents <= 0) continue;
    f.cents += cents;
    if (oldest === undefined || r.month < oldest) oldest = r.month;
  }
  // A month counts through the 12 evaluation months after it and leaves on the first day of the 13th.
  if (oldest !== undefined) f.expiresNext = firstDayOf(addMonthsToMonth(oldest, months + 1));
  return f;
}

export function judgeRevenue(f: RevenueFacts, t: RevenueThreshold): Judgement {
  const need = Math.max(0, toCents(t.directRevenue) - f.cents);
  return {
    met: need === 0,
    actual: { directRevenue: fromCents(f.cents), fromMonth: f.fromMonth, toMonth: f.toMonth },
    required: { directRevenue: t.directRevenue },
    gap: need > 0 ? `${formatUsd(need)} more direct revenue billed ${f.fromMonth} to ${f.toMonth}` : undefined,
    expiresNext: f.expiresNext,
  };
}

// ---------------------------------------------------------------------------------------------------
// Product listing (R-PRODUCT), business plan (R-PLAN), validations (R-VALID).

export interface ListingFacts {
  generallyAvailable: number;
  expiresNext?: IsoDate;
}

export function listingFacts(ctx: FactContext, at: IsoDate): ListingFacts {
  const f: ListingFacts = { generallyAvailable: 0 };
  for (const p of ctx.evidence.productListings ?? []) {
    if (p.status !== 'GA' || !active(p.listedOn, p.expiresOn, ctx, at)) continue;
    f.generallyAvailable++;
    f.expiresNext = earliest(f.expiresNext, p.expiresOn ?? null);
  }
  return f;
}

export function judgeListing(f: ListingFacts, t: ProductThreshold): Judgement {
  const need = Math.max(0, t.generallyAvailable - f.generallyAvailable);
  return {
    met: need === 0,
    actual: { generallyAvailable: f.generallyAvailable },
    required: { generallyAvailable: t.generallyAvailable },
    gap: need > 0 ? `${plural(need, 'more product', 'more products')} listed in General Availability` : undefined,
    expiresNext: f.expiresNext,
  };
}

export interface PlanFacts {
  signedOffOn: IsoDate | null;
  counts: boolean;
  expiresNext?: IsoDate;
}

export function planFacts(ctx: FactContext, at: IsoDate): PlanFacts {
  const plan = ctx.evidence.businessPlan;
  const months = ctx.edition.counting.businessPlanValidMonths;
  if (!plan || plan.signedOffOn > ctx.knownBy) return { signedOffOn: null, counts: false };
  const counts = windowTest(months, ctx, at)(plan.signedOffOn);
  return {
    signedOffOn: plan.signedOffOn,
    counts,
    expiresNext: counts ? rollingWindowLeavesOn(plan.signedOffOn, months) : undefined,
  };
}

export function judgePlan(f: PlanFacts, _t: PlanThreshold, months: number): Judgement {
  return {
    met: f.counts,
    actual: { signedOff: f.counts, signedOffOn: f.signedOffOn },
    required: { signedOff: true, withinMonths: months },
    gap: f.counts
      ? undefined
      : f.signedOffOn
        ? `a business plan signed off again by the APN Partner Manager (last sign-off ${f.signedOffOn} is older than ${months} months)`
        : 'a business plan signed off by the APN Partner Manager',
    expiresNext: f.expiresNext,
  };
}

export interface ValidationFacts {
  /** Distinct validation key (`competency:devops`, `msp`, …) → its display name and when it stops counting. */
  held: Map<string, { program: string; display: string; end: End }>;
}

function validationKey(program: string, name: string | null | undefined): string {
  return program === 'competency' ? `competency:${normalise(name ?? '')}` : program;
}

export function validationFacts(ctx: FactContext, at: IsoDate): ValidationFacts {
  const held = new Map<string, { program: string; display: string; end: End }>();
  for (const v of ctx.evidence.validations ?? []) {
    if (!active(v.achievedOn, v.expiresOn, ctx, at)) continue;
    const key = validationKey(v.program, v.name);
    const prior = held.get(key);
    const display = v.program === 'competency' ? `${v.name?.trim() ?? ''} Competency` : validationLabel(v.program);
    // The display name must not depend on input order: keep the smallest spelling.
    const shown = prior && prior.display < display ? prior.display : display;
    held.set(key, { program: v.program, display: shown, end: extendEnd(prior?.end, v.expiresOn) });
  }
  return { held };
}

function validationLabel(program: string, name?: string): string {
  switch (program) {
    case 'competency':
      return name ? `the ${name} Competency` : 'an AWS Competency';
    case 'msp':
      return 'MSP';
    case 'well-architected':
      return 'Well-Architected Partner Program';
    default:
      return 'Technical Baseline Review';
  }
}

export function judgeValidations(f: ValidationFacts, t: ValidationsThreshold): Judgement {
  const eligible = new Set<string>(t.eligible);
  const counted = [...f.held.entries()].filter(([, v]) => eligible.has(v.program));
  const wanted = new Set((t.mustIncludeOneOf ?? []).map((r: ValidationRef) => validationKey(r.program, r.name)));
  const includes = wanted.size === 0 || counted.some(([key]) => wanted.has(key));
  const needCount = Math.max(0, t.count - counted.length);
  let expiresNext: IsoDate | undefined;
  for (const [, v] of counted) expiresNext = earliest(expiresNext, v.end);
  const parts: string[] = [];
  const onlyTbr = t.eligible.length === 1 && t.eligible[0] === 'technical-baseline-review';
  if (onlyTbr && needCount > 0) parts.push('a completed Technical Baseline Review');
  else if (needCount > 0) {
    parts.push(
      `${plural(needCount, 'more program validation', 'more program validations')} (${t.eligible.map((p) => validationLabel(p)).join(', ')})`,
    );
  }
  if (!includes) {
    const names = (t.mustIncludeOneOf ?? []).map((r) => validationLabel(r.program, r.name));
    parts.push(`one of them must be ${names.join(' or ')}`);
  }
  return {
    met: parts.length === 0,
    actual: {
      count: counted.length,
      validations: counted.map(([, v]) => v.display).sort(),
      includesRequired: includes,
    },
    required: {
      count: t.count,
      eligible: t.eligible,
      ...(t.mustIncludeOneOf
        ? { mustIncludeOneOf: t.mustIncludeOneOf.map((r) => validationLabel(r.program, r.name)) }
        : {}),
    },
    gap: parts.length > 0 ? parts.join('; ') : undefined,
    expiresNext,
  };
}

// ---------------------------------------------------------------------------------------------------
// Customer success: R-REF, R-CSAT.

export interface ReferenceFacts {
  customers: number;
  references: number;
  expiresNext?: IsoDate;
}

export function referenceFacts(ctx: FactContext, at: IsoDate): ReferenceFacts {
  const months = ctx.edition.counting.referenceCreditMonths;
  const counts = windowTest(months, ctx, at);
  // Customer → the date of its latest counted reference (it keeps the customer counted longest).
  const customers = new Map<string, IsoDate>();
  let references = 0;
  for (const r of ctx.evidence.references ?? []) {
    if (!r.public || r.status === 'rejected') continue; // FAQ 52
    // FAQ 50: Public Reference tool entries count once approved; ACE designations at once.
    if (r.source === 'public-reference-tool' && r.status !== 'approved') continue;
    const from = r.source === 'public-reference-tool' ? (r.approvedOn ?? r.designatedOn) : r.designatedOn;
    if (!counts(from)) continue;
    references++;
    const key = normalise(r.customer);
    const prior = customers.get(key);
    if (prior === undefined || from > prior) customers.set(key, from);
  }
  let oldest: IsoDate | undefined;
  for (const latest of customers.values()) oldest = minDate(oldest, latest);
  return { customers: customers.size, references, expiresNext: leavesOn(oldest, months) };
}

export function judgeReferences(f: ReferenceFacts, t: ReferencesThreshold): Judgement {
  const need = Math.max(0, t.customers - f.customers);
  return {
    met: need === 0,
    actual: { customers: f.customers, references: f.references },
    required: { customers: t.customers },
    gap:
      need > 0
        ? plural(need, 'more publicly referenceable customer', 'more publicly referenceable customers')
        : undefined,
    expiresNext: f.expiresNext,
  };
}

export interface CsatFacts {
  responses: number;
  expiresNext?: IsoDate;
}

export function csatFacts(ctx: FactContext, at: IsoDate): CsatFacts {
  const months = ctx.edition.counting.windowMonths;
  const counts = windowTest(months, ctx, at);
  let responses = 0;
  let oldest: IsoDate | undefined;
  for (const c of ctx.evidence.csatResponses ?? []) {
    // FAQ 55: both checks; FAQ 53/59: the score never matters; FAQ 54: one customer may answer many times.
    if (!c.emailConfirmed || !c.awsCustomerVerified) continue;
    if (!counts(c.submittedOn)) continue;
    responses++;
    if (oldest === undefined || c.submittedOn < oldest) oldest = c.submittedOn;
  }
  return { responses, expiresNext: leavesOn(oldest, months) };
}

export function judgeCsat(f: CsatFacts, t: CsatThreshold): Judgement {
  const need = Math.max(0, t.responses - f.responses);
  return {
    met: need === 0,
    actual: { responses: f.responses },
    required: { responses: t.responses },
    gap:
      need > 0
        ? `${plural(need, 'more verified Rate this Partner response', 'more verified Rate this Partner responses')}`
        : undefined,
    expiresNext: f.expiresNext,
  };
}
