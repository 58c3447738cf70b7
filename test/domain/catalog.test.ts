/** R-CAT: the 2019 edition as data, and a second edition evaluated without touching the evaluator. */
import {
  apn2019,
  currentEdition,
  evaluateScorecard,
  getEdition,
  type Edition,
  type RequirementEntry,
  type Tier,
} from '../../src/domain';
import { csats, evidence, premierInput, req, technologyAdvancedInput } from './builders';

function entry(track: 'consulting' | 'technology', id: string): RequirementEntry {
  const found = apn2019.tracks[track].requirements.find((r) => r.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

function thresholds(track: 'consulting' | 'technology', id: string): Partial<Record<Tier, unknown>> {
  return entry(track, id).thresholds;
}

describe('R-CAT apn-2019', () => {
  it('R-CAT: is the current edition and is found by id', () => {
    expect(currentEdition.id).toBe('apn-2019');
    expect(getEdition('apn-2019')).toBe(apn2019);
    expect(() => getEdition('apn-1999')).toThrow(/unknown catalog edition/);
  });

  it('R-CAT: consulting thresholds match DOMAIN §2', () => {
    expect(thresholds('consulting', 'accredited-professionals')).toEqual({
      select: { technical: 2, business: 2 },
      advanced: { technical: 4, business: 4 },
      premier: { technical: 10, business: 10 },
    });
    expect(thresholds('consulting', 'foundational-certified')).toEqual({
      select: { individuals: 2 },
      advanced: { individuals: 4 },
      premier: { individuals: 10 },
    });
    expect(thresholds('consulting', 'technical-certified')).toEqual({
      select: { individuals: 2, professionalOrSpecialty: 0 },
      advanced: { individuals: 6, professionalOrSpecialty: 3 },
      premier: { individuals: 25, professionalOrSpecialty: 10 },
    });
    expect(thresholds('consulting', 'launched-opportunities')).toEqual({
      select: { count: 3, estimatedMrr: 1500 },
      advanced: { count: 20, estimatedMrr: 10000 },
      premier: { count: 50, estimatedMrr: 50000 },
    });
    expect(Object.keys(thresholds('consulting', 'business-plan'))).toEqual(['advanced', 'premier']);
    expect(thresholds('consulting', 'program-validations')).toEqual({
      premier: {
        count: 3,
        eligible: ['competency', 'msp', 'well-architected'],
        mustIncludeOneOf: [{ program: 'msp' }, { program: 'competency', name: 'DevOps' }],
      },
    });
    expect(thresholds('consulting', 'public-references')).toEqual({
      select: { customers: 1 },
      advanced: { customers: 2 },
      premier: { customers: 6 },
    });
    expect(thresholds('consulting', 'csat-responses')).toEqual({
      select: { responses: 5 },
      advanced: { responses: 20 },
      premier: { responses: 30 },
    });
  });

  it('R-CAT: technology thresholds match DOMAIN §2 and the product-listing conflict is recorded', () => {
    expect(thresholds('technology', 'technical-certified')).toEqual({
      select: { individuals: 1, professionalOrSpecialty: 0 },
      advanced: { individuals: 4, professionalOrSpecialty: 2 },
    });
    expect(thresholds('technology', 'direct-revenue')).toEqual({
      select: { directRevenue: 15000 },
      advanced: { directRevenue: 350000 },
    });
    expect(thresholds('technology', 'public-references')).toEqual({
      select: { customers: 1 },
      advanced: { customers: 2 },
    });
    expect(thresholds('technology', 'csat-responses')).toEqual({
      select: { responses: 5 },
      advanced: { responses: 20 },
    });
    const listing = entry('technology', 'product-listing');
    expect(Object.keys(listing.thresholds)).toEqual(['select', 'advanced']);
    expect(listing.decisions?.join(' ')).toMatch(/section 7 names Advanced only/);
    expect(apn2019.tracks.technology.tiers).toEqual(['select', 'advanced']);
  });

  it('R-CAT: fee, sustained attainment and EBR are lifecycle requirements', () => {
    const lifecycle = apn2019.tracks.consulting.requirements.filter((r) => r.kind === 'lifecycle').map((r) => r.id);
    expect(lifecycle).toEqual(['program-fee', 'sustained-premier-attainment', 'executive-business-review']);
    expect(apn2019.tracks.technology.requirements.filter((r) => r.kind === 'lifecycle').map((r) => r.id)).toEqual([
      'program-fee',
    ]);
  });

  it('R-CAT: lifecycle parameters are catalog data for the workflows', () => {
    expect(apn2019.lifecycle).toEqual({
      programFee: {
        amountUsd: 2500,
        fromTier: 'select',
        graceDays: 90,
        reminderDays: [30, 60, 80],
        maxExtensions: 1,
        maxExtensionDays: 30,
        caseEscalationDays: 30,
        taxRates: expect.arrayContaining([{ country: 'DE', rate: 0.19, effectiveFrom: '2000-01-01' }]),
      },
      sustainedAttainment: { months: 6, checkEvery: 'month', appliesTo: 'new-applicants' },
      renewal: {
        transitions: [{ renewalFrom: '2019-04-01', renewalTo: '2019-12-13', reviewOn: '2019-12-13' }],
        withoutReview: [expect.objectContaining({ renewalFrom: '2019-01-01', renewalTo: '2019-03-31' })],
        reinstatementWindowDays: 30,
      },
      ebrCalendar: {
        default: { opensDaysAfterQuarterClose: 14, lengthDays: 30 },
        quarters: { Q3: { opensDaysAfterQuarterClose: 0, lengthDays: 21 } },
      },
    });
  });

  it('R-LEGACY-OPP / R-REV: counting decisions are data on the edition', () => {
    expect(apn2019.counting.legacyOpportunity).toEqual({
      creditMonths: 12,
      lastEvaluationDate: '2020-03-31',
      estimatedMrr: 0,
    });
    expect(apn2019.counting.directRevenue.exemptCreditTypes).toHaveLength(6);
    expect(apn2019.decisions.map((d) => d.id)).toEqual(
      expect.arrayContaining(['product-listing', 'legacy-opportunity', 'direct-revenue-window', 'reference-window']),
    );
  });

  it('R-CAT: lifecycle requirements never affect highestTierMet', () => {
    const sc = evaluateScorecard(evidence(premierInput()), '2019-12-13');
    expect(sc.highestTierMet).toBe('premier');
    for (const tier of ['select', 'advanced', 'premier'] as const) {
      expect(req(sc, tier, 'program-fee')).toMatchObject({ kind: 'lifecycle', met: null, actual: null });
    }
  });
});

describe('R-CAT a second edition', () => {
  // A made-up 2021 edition: CSAT doubled, a 24-month window, no legacy credit, premier added for technology.
  const test2021: Edition = {
    ...apn2019,
    id: 'test-2021',
    title: 'Test edition',
    counting: {
      ...apn2019.counting,
      windowMonths: 24,
      legacyOpportunity: { ...apn2019.counting.legacyOpportunity, lastEvaluationDate: '2019-01-01' },
    },
    tracks: {
      consulting: {
        ...apn2019.tracks.consulting,
        requirements: apn2019.tracks.consulting.requirements.map((r) =>
          r.measure === 'csat-responses'
            ? {
                ...r,
                thresholds: { select: { responses: 10 }, advanced: { responses: 40 }, premier: { responses: 60 } },
              }
            : r,
        ),
      },
      technology: {
        tiers: ['select', 'advanced', 'premier'],
        requirements: apn2019.tracks.technology.requirements.map((r) =>
          r.measure === 'csat-responses'
            ? {
                ...r,
                thresholds: { select: { responses: 5 }, advanced: { responses: 20 }, premier: { responses: 25 } },
              }
            : r,
        ),
      },
    },
  };

  it('R-CAT: evaluates thresholds and windows of another edition with the same evaluator', () => {
    const ev = evidence({
      ...premierInput(),
      csatResponses: [...csats(30, '2019-05-05'), ...csats(30, '2018-06-01', 'old')],
    });
    const in2019 = evaluateScorecard(ev, '2019-12-13');
    const in2021 = evaluateScorecard(ev, '2019-12-13', test2021);
    expect(in2019.editionId).toBe('apn-2019');
    expect(in2021.editionId).toBe('test-2021');
    expect(req(in2019, 'premier', 'csat-responses').actual).toEqual({ responses: 30 });
    expect(req(in2021, 'premier', 'csat-responses')).toMatchObject({
      actual: { responses: 60 },
      required: { responses: 60 },
      met: true,
    });
  });

  it('R-CAT: a tier added to a track in another edition appears in the scorecard', () => {
    const sc = evaluateScorecard(evidence(technologyAdvancedInput()), '2019-12-13', test2021);
    expect(Object.keys(sc.tiers)).toEqual(['select', 'advanced', 'premier']);
    expect(req(sc, 'premier', 'csat-responses').met).toBe(false);
    expect(sc.highestTierMet).toBe('advanced');
  });
});
