/** One describe per counting rule of DOMAIN §3, each test named after the rule it pins down. */
import { evaluateScorecard, type PartnerEvidenceInput } from '../../src/domain';
import {
  bp,
  cert,
  csat,
  csats,
  evidence,
  opp,
  opps,
  people,
  person,
  premierInput,
  ref,
  req,
  revenue,
  technologyAdvancedInput,
  tp,
} from './builders';

const AS_OF = '2019-12-13';

function score(input: Partial<PartnerEvidenceInput>, asOf = AS_OF) {
  return evaluateScorecard(evidence(input), asOf);
}

describe('R-WINDOW', () => {
  it('R-WINDOW: an item dated exactly 12 months before asOf is out, the next day in', () => {
    const out = score({ csatResponses: [csat('c-1', '2018-12-13')] });
    const inside = score({ csatResponses: [csat('c-1', '2018-12-14')] });
    expect(req(out, 'select', 'csat-responses').actual).toEqual({ responses: 0 });
    expect(req(inside, 'select', 'csat-responses').actual).toEqual({ responses: 1 });
  });

  it('R-WINDOW: an item dated on asOf counts; one dated the day after is ignored', () => {
    const sc = score({ opportunities: [opp('o-1', '2019-12-13', 100), opp('o-2', '2019-12-14', 100_000)] });
    expect(req(sc, 'select', 'launched-opportunities').actual).toMatchObject({ count: 1, estimatedMrr: 100 });
  });

  it('R-WINDOW: on 2020-02-29 the window starts 2019-03-01 (Feb 29 maps to Feb 28)', () => {
    const sc = score({ csatResponses: [csat('c-1', '2019-02-28'), csat('c-2', '2019-03-01')] }, '2020-02-29');
    expect(req(sc, 'select', 'csat-responses').actual).toEqual({ responses: 1 });
  });

  it('R-WINDOW: an item dated 2020-02-29 still counts on 2021-02-28 and leaves on 2021-03-01', () => {
    const input = { csatResponses: [csat('c-1', '2020-02-29')] };
    expect(req(score(input, '2021-02-28'), 'select', 'csat-responses').actual).toEqual({ responses: 1 });
    expect(req(score(input, '2021-02-28'), 'select', 'csat-responses').expiresNext).toBe('2021-03-01');
    expect(req(score(input, '2021-03-01'), 'select', 'csat-responses').actual).toEqual({ responses: 0 });
  });

  it('R-WINDOW: expiresNext is the day the first counted item leaves, with what that costs', () => {
    const sc = score({ opportunities: [opp('old', '2019-01-15', 500), ...opps(2, '2019-06-01', 600)] });
    const r = req(sc, 'select', 'launched-opportunities');
    expect(r.met).toBe(true);
    expect(r.expiresNext).toBe('2020-01-15');
    expect(r.expiresNextEffect).toBe('drops below Select on 2020-01-15');
    expect(r.expiresNextActual).toMatchObject({ count: 2, estimatedMrr: 1200 });
  });

  it('R-WINDOW: when the first expiry does not cost the tier, the effect says it is still met', () => {
    const sc = score({ csatResponses: [csat('c-old', '2019-01-20'), ...csats(5, '2019-06-01')] });
    expect(req(sc, 'select', 'csat-responses').expiresNextEffect).toBe('still meets Select on 2020-01-20');
  });
});

describe('R-PEOPLE', () => {
  const found = (p: ReturnType<typeof person>, asOf = AS_OF) =>
    req(score({ individuals: [p] }, asOf), 'select', 'foundational-certified').actual;

  it('R-PEOPLE: a person counts from the registration date, not before', () => {
    const p = person('u', [cert('foundational', '2018-01-01')], { registeredOn: '2019-12-13' });
    expect(found(p)).toEqual({ individuals: 1 });
    expect(found(p, '2019-12-12')).toEqual({ individuals: 0 });
  });

  it('R-PEOPLE: a person who left on asOf no longer counts; leaving the next day still counts', () => {
    expect(found(person('u', [cert('foundational')], { leftOn: '2019-12-13' }))).toEqual({ individuals: 0 });
    expect(found(person('u', [cert('foundational')], { leftOn: '2019-12-14' }))).toEqual({ individuals: 1 });
  });

  it('R-PEOPLE: a credential expiring on asOf does not count; earned after asOf is ignored', () => {
    expect(found(person('u', [cert('foundational', '2018-01-01', '2019-12-13')]))).toEqual({ individuals: 0 });
    expect(found(person('u', [cert('foundational', '2018-01-01', '2019-12-14')]))).toEqual({ individuals: 1 });
    expect(found(person('u', [cert('foundational', '2019-12-14')]))).toEqual({ individuals: 0 });
  });

  it('R-PEOPLE: a credential expiry sets expiresNext; a future departure is not yet known', () => {
    const sc = score({
      individuals: [
        person('a', [cert('foundational', '2018-01-01', '2020-03-01')]),
        person('b', [cert('foundational')], { leftOn: '2020-01-01' }),
      ],
    });
    const r = req(sc, 'select', 'foundational-certified');
    expect(r.met).toBe(true);
    expect(r.expiresNext).toBe('2020-03-01');
    expect(r.expiresNextEffect).toBe('drops below Select on 2020-03-01');
  });
});

describe('R-ONCE', () => {
  it('R-ONCE: one person with an accreditation, Cloud Practitioner and two certifications counts once under each', () => {
    const sc = score({
      individuals: [person('u', [tp(), cert('foundational'), cert('professional'), cert('specialty')])],
    });
    expect(req(sc, 'select', 'accredited-professionals').actual).toMatchObject({ individuals: 1, technical: 1 });
    expect(req(sc, 'select', 'foundational-certified').actual).toEqual({ individuals: 1 });
    expect(req(sc, 'select', 'technical-certified').actual).toEqual({ individuals: 1, professionalOrSpecialty: 1 });
  });
});

describe('R-ACCRED', () => {
  const accred = (individuals: PartnerEvidenceInput['individuals'], tier: 'select' | 'advanced' = 'select') =>
    req(score({ individuals }), tier, 'accredited-professionals');

  it('R-ACCRED: four people holding both accreditations meet Select (2 technical + 2 business)', () => {
    const r = accred(people(4, 'both', () => [tp(), bp()]));
    expect(r.met).toBe(true);
    expect(r.actual).toEqual({ individuals: 4, technical: 4, business: 4, both: 4 });
  });

  it('R-ACCRED: three people holding both cannot fill four seats — a holder fills one side, never both', () => {
    const r = accred(people(3, 'both', () => [tp(), bp()]));
    expect(r.met).toBe(false);
    expect(r.gap).toBe('1 more accredited individual');
  });

  it('R-ACCRED: four Technical-only people do not meet Select: 2 Business Professionals are missing', () => {
    const r = accred(people(4, 't', () => [tp()]));
    expect(r.met).toBe(false);
    expect(r.gap).toBe('2 more accredited individuals (at least 2 Business Professional)');
  });

  it('R-ACCRED: 3 technical-only + 1 both falls one Business Professional short', () => {
    const r = accred([...people(3, 't', () => [tp()]), person('both', [tp(), bp()])]);
    expect(r.met).toBe(false);
    expect(r.actual).toEqual({ individuals: 4, technical: 4, business: 1, both: 1 });
    expect(r.gap).toBe('1 more accredited individual (at least 1 Business Professional)');
  });

  it('R-ACCRED: 1 technical-only, 1 business-only and 2 both meet Select', () => {
    expect(accred([person('t', [tp()]), person('b', [bp()]), ...people(2, 'both', () => [tp(), bp()])]).met).toBe(true);
  });

  it('R-ACCRED: Advanced needs 8 distinct people (≥4 technical, ≥4 business)', () => {
    const r = accred([...people(6, 't', () => [tp()]), ...people(2, 'both', () => [tp(), bp()])], 'advanced');
    expect(r.met).toBe(false);
    expect(r.required).toEqual({ individuals: 8, technical: 4, business: 4 });
    expect(r.gap).toBe('2 more accredited individuals (at least 2 Business Professional)');
  });
});

describe('R-FOUND', () => {
  it('R-FOUND: only Cloud Practitioner counts as foundational; Associate holders do not', () => {
    const sc = score({ individuals: [person('a', [cert('associate')]), person('f', [cert('foundational')])] });
    const r = req(sc, 'select', 'foundational-certified');
    expect(r.actual).toEqual({ individuals: 1 });
    expect(r.gap).toBe('1 more Cloud Practitioner certified individual');
  });
});

describe('R-TECH', () => {
  it('R-TECH: one person with Associate, Professional and Specialty counts once, at Professional or Specialty', () => {
    const sc = score({ individuals: [person('u', [cert('associate'), cert('professional'), cert('specialty')])] });
    expect(req(sc, 'select', 'technical-certified').actual).toEqual({ individuals: 1, professionalOrSpecialty: 1 });
  });

  it('R-TECH: an expired Professional leaves the person counted at Associate', () => {
    const sc = score({
      individuals: [person('u', [cert('associate'), cert('professional', '2017-01-01', '2019-12-01')])],
    });
    expect(req(sc, 'select', 'technical-certified').actual).toEqual({ individuals: 1, professionalOrSpecialty: 0 });
  });

  it('R-TECH: 5 certified with 2 at Professional/Specialty is 1 Professional or Specialty short of Advanced', () => {
    const sc = score({
      individuals: [...people(2, 'p', () => [cert('professional')]), ...people(3, 'a', () => [cert('associate')])],
    });
    const r = req(sc, 'advanced', 'technical-certified');
    expect(r.actual).toEqual({ individuals: 5, professionalOrSpecialty: 2 });
    expect(r.required).toEqual({ individuals: 6, professionalOrSpecialty: 3 });
    expect(r.gap).toBe('1 more Professional or Specialty certified individual');
  });

  it('R-TECH: the gap names Professional or Specialty individuals when those are what is missing', () => {
    const sc = score({ individuals: people(6, 'a', () => [cert('associate')]) });
    expect(req(sc, 'advanced', 'technical-certified').gap).toBe(
      '3 more Professional or Specialty certified individuals',
    );
  });
});

describe('R-OPP', () => {
  it('R-OPP: partner, AWS-referred and AWS-tagged launched opportunities count; marketplace never does', () => {
    const sc = score({
      opportunities: [
        opp('p', '2019-06-01', 100, 'partner'),
        opp('r', '2019-06-01', 100, 'aws-referred'),
        opp('t', '2019-06-01', 100, 'aws-tagged'),
        opp('m', '2019-06-01', 5000, 'marketplace'),
      ],
    });
    expect(req(sc, 'select', 'launched-opportunities').actual).toMatchObject({ count: 3, estimatedMrr: 300 });
  });

  it('R-OPP: only launched opportunities count', () => {
    const sc = score({
      opportunities: [
        opp('s', '2019-06-01', 100, 'partner', 'submitted'),
        opp('a', '2019-06-01', 100, 'partner', 'approved'),
        opp('c', '2019-06-01', 100, 'partner', 'closed-lost'),
      ],
    });
    expect(req(sc, 'select', 'launched-opportunities').actual).toMatchObject({ count: 0, estimatedMrr: 0 });
  });

  it('R-OPP: MRR is an aggregate — three opportunities of $500 meet the $1,500 of Select', () => {
    const r = req(score({ opportunities: opps(3, '2019-06-01', 500) }), 'select', 'launched-opportunities');
    expect(r.met).toBe(true);
  });

  it('R-OPP: the gap states the missing MRR in dollars', () => {
    const r = req(score({ opportunities: opps(20, '2019-06-01', 340) }), 'advanced', 'launched-opportunities');
    expect(r.actual).toMatchObject({ count: 20, estimatedMrr: 6800 });
    expect(r.gap).toBe('$3,200 more estimated MRR from launched opportunities');
  });

  it('R-OPP: cents are summed exactly', () => {
    const r = req(
      score({
        opportunities: [opp('a', '2019-06-01', 0.1), opp('b', '2019-06-01', 0.2), opp('c', '2019-06-01', 1499.7)],
      }),
      'select',
      'launched-opportunities',
    );
    expect(r.actual).toMatchObject({ estimatedMrr: 1500 });
    expect(r.met).toBe(true);
  });
});

describe('R-LEGACY-OPP', () => {
  const legacy = (submittedOn: string) => [{ accountId: '123456789012', submittedOn }];

  it('R-LEGACY-OPP: each legacy submission is +1 launched opportunity and adds no MRR', () => {
    const r = req(
      score({ legacyRevenueSubmissions: legacy('2019-02-01'), opportunities: opps(2, '2019-06-01', 750) }),
      'select',
      'launched-opportunities',
    );
    expect(r.actual).toEqual({ count: 3, launched: 2, legacyCredits: 1, estimatedMrr: 1500 });
    expect(r.met).toBe(true);
  });

  it('R-LEGACY-OPP: the credit lasts 12 months from submission', () => {
    const r = (asOf: string) =>
      req(score({ legacyRevenueSubmissions: legacy('2019-01-10') }, asOf), 'select', 'launched-opportunities');
    expect(r('2020-01-09').actual).toMatchObject({ legacyCredits: 1 });
    expect(r('2020-01-10').actual).toMatchObject({ legacyCredits: 0 });
  });

  it('R-LEGACY-OPP: credit ends after 2020-03-31 even inside its 12 months', () => {
    const r = (asOf: string) =>
      req(score({ legacyRevenueSubmissions: legacy('2019-10-01') }, asOf), 'select', 'launched-opportunities');
    expect(r('2020-03-31').actual).toMatchObject({ legacyCredits: 1 });
    expect(r('2020-03-31').expiresNext).toBe('2020-04-01');
    expect(r('2020-04-01').actual).toMatchObject({ legacyCredits: 0 });
  });
});

describe('R-REV', () => {
  const rev = (directRevenue: PartnerEvidenceInput['directRevenue'], asOf = AS_OF, domains = ['example.com']) =>
    req(score({ track: 'technology', domains, directRevenue }, asOf), 'select', 'direct-revenue');

  it('R-REV: the window is the 12 whole months before the evaluation month (2019-12-13: 2018-12..2019-11)', () => {
    const r = rev([revenue('2018-11', 1000), revenue('2018-12', 10), revenue('2019-11', 20), revenue('2019-12', 4000)]);
    expect(r.actual).toEqual({ directRevenue: 30, fromMonth: '2018-12', toMonth: '2019-11' });
    expect(r.expiresNext).toBe('2020-01-01');
  });

  it('R-REV: exempt credit types do not reduce revenue (any case); other credit types do', () => {
    const r = rev([
      revenue('2019-05', 1000, {
        credits: [
          { type: 'MAP Credit', amount: 100 },
          { type: 'reseller/spp discount', amount: 100 },
          { type: 'EAP Credit', amount: 100 },
          { type: 'PMP Credit', amount: 100 },
          { type: 'LSE Credit', amount: 100 },
          { type: 'ReThink Discount', amount: 100 },
          { type: 'Promotional Credit', amount: 250 },
        ],
      }),
    ]);
    expect(r.actual).toMatchObject({ directRevenue: 750 });
  });

  it('R-REV: channel/SPP resale never counts; reserved instances and other up-front purchases do', () => {
    const r = rev([
      revenue('2019-05', 9000, { kind: 'channel-resale' }),
      revenue('2019-05', 300, { kind: 'reserved-instance' }),
      revenue('2019-06', 200, { kind: 'other-upfront' }),
    ]);
    expect(r.actual).toMatchObject({ directRevenue: 500 });
  });

  it('R-REV: only accounts matched through the partner domains count', () => {
    const r = rev([
      revenue('2019-05', 100, { domain: 'EXAMPLE.com' }),
      revenue('2019-05', 900, { domain: 'other.com' }),
    ]);
    expect(r.actual).toMatchObject({ directRevenue: 100 });
  });

  it('R-REV: a record reduced below zero by credits counts as $0', () => {
    const r = rev([
      revenue('2019-05', 100, { credits: [{ type: 'Promotional Credit', amount: 500 }] }),
      revenue('2019-06', 50),
    ]);
    expect(r.actual).toMatchObject({ directRevenue: 50 });
  });

  it('R-REV: the gap states the missing revenue', () => {
    expect(rev([revenue('2019-05', 11_800)]).gap).toBe('$3,200 more direct revenue billed 2018-12 to 2019-11');
  });
});

describe('R-EXPERIENCE', () => {
  const tech = (input: Partial<PartnerEvidenceInput>) => score({ ...technologyAdvancedInput(), ...input });

  it('R-EXPERIENCE: launched opportunities alone meet technology experience', () => {
    const sc = tech({});
    expect(req(sc, 'advanced', 'direct-revenue').met).toBe(false);
    expect(req(sc, 'advanced', 'experience')).toMatchObject({
      met: true,
      actual: { metBy: ['launched-opportunities'] },
    });
    expect(sc.highestTierMet).toBe('advanced');
  });

  it('R-EXPERIENCE: direct revenue alone meets technology experience', () => {
    const sc = tech({ opportunities: [], directRevenue: [revenue('2019-03', 350_000)] });
    expect(req(sc, 'advanced', 'launched-opportunities').met).toBe(false);
    expect(req(sc, 'advanced', 'experience').met).toBe(true);
    expect(sc.highestTierMet).toBe('advanced');
  });

  it('R-EXPERIENCE: neither option met → the gap offers both ways', () => {
    const sc = tech({ opportunities: opps(2, '2019-06-01', 100), directRevenue: [revenue('2019-03', 1000)] });
    const r = req(sc, 'select', 'experience');
    expect(r.met).toBe(false);
    expect(r.gap).toBe(
      'either $14,000 more direct revenue billed 2018-12 to 2019-11, or 1 more launched opportunity and $1,300 more estimated MRR from launched opportunities',
    );
    expect(sc.highestTierMet).toBe('registered');
  });
});

describe('R-REF', () => {
  const refsOf = (references: PartnerEvidenceInput['references'], asOf = AS_OF) =>
    req(score({ references }, asOf), 'select', 'public-references');

  it('R-REF: non-public references never count', () => {
    expect(refsOf([ref('r', 'Acme', '2019-04-01', { public: false })]).actual).toEqual({ customers: 0, references: 0 });
  });

  it('R-REF: an ACE-designated reference counts at once; rejected ones never', () => {
    expect(refsOf([ref('r', 'Acme', '2019-04-01', { status: 'pending' })]).met).toBe(true);
    expect(refsOf([ref('r', 'Acme', '2019-04-01', { status: 'rejected' })]).met).toBe(false);
  });

  it('R-REF: a Public Reference tool entry counts only once approved, from its approval date', () => {
    const tool = { source: 'public-reference-tool' as const, url: 'https://example.com/case' };
    expect(refsOf([ref('r', 'Acme', '2019-04-01', { ...tool, status: 'pending' })]).met).toBe(false);
    const approved = [ref('r', 'Acme', '2018-12-01', { ...tool, status: 'approved', approvedOn: '2018-12-20' })];
    expect(refsOf(approved).met).toBe(true);
    expect(refsOf(approved).expiresNext).toBe('2019-12-20');
    expect(refsOf(approved, '2019-12-20').met).toBe(false);
  });

  it('R-REF: a legacy reference counts for 12 months from its submission', () => {
    const legacy = [ref('r', 'Acme', '2019-01-05', { source: 'legacy' })];
    expect(refsOf(legacy, '2020-01-04').met).toBe(true);
    expect(refsOf(legacy, '2020-01-05').met).toBe(false);
  });

  it('R-REF: two references for the same customer count as one referenceable customer', () => {
    const r = req(
      score({
        references: [ref('a', 'Acme', '2019-04-01'), ref('b', ' acme ', '2019-05-01'), ref('c', 'Beta', '2019-05-01')],
      }),
      'advanced',
      'public-references',
    );
    expect(r.actual).toEqual({ customers: 2, references: 3 });
    expect(r.expiresNext).toBe('2020-05-01');
  });
});

describe('R-CSAT', () => {
  it('R-CSAT: a response counts only when the email is confirmed and the respondent verified', () => {
    const sc = score({
      csatResponses: [
        csat('ok', '2019-05-01'),
        csat('no-email', '2019-05-01', { emailConfirmed: false }),
        csat('no-verify', '2019-05-01', { awsCustomerVerified: false }),
      ],
    });
    expect(req(sc, 'select', 'csat-responses').actual).toEqual({ responses: 1 });
  });

  it('R-CSAT: many respondents from one customer all count', () => {
    const r = req(score({ csatResponses: csats(5, '2019-05-01') }), 'select', 'csat-responses');
    expect(r.met).toBe(true);
    expect(req(score({ csatResponses: csats(4, '2019-05-01') }), 'select', 'csat-responses').gap).toBe(
      '1 more verified Rate this Partner response',
    );
  });
});

describe('R-VALID', () => {
  const valid = (validations: PartnerEvidenceInput['validations'], track: 'consulting' | 'technology' = 'consulting') =>
    req(score({ track, validations }), track === 'consulting' ? 'premier' : 'advanced', 'program-validations');
  const v = (program: 'competency' | 'msp' | 'well-architected' | 'technical-baseline-review', name?: string) => ({
    program,
    name: name ?? null,
    achievedOn: '2019-01-01',
    expiresOn: null,
  });

  it('R-VALID: Premier needs 3 validations including MSP or the DevOps Competency', () => {
    expect(valid([v('msp'), v('competency', 'Security'), v('well-architected')]).met).toBe(true);
    expect(
      valid([v('competency', 'DevOps'), v('competency', 'Security'), v('competency', 'Data & Analytics')]).met,
    ).toBe(true);
    const r = valid([v('competency', 'Security'), v('competency', 'Migration'), v('well-architected')]);
    expect(r.met).toBe(false);
    expect(r.gap).toBe('one of them must be MSP or the DevOps Competency');
  });

  it('R-VALID: each named competency counts once', () => {
    const r = valid([v('msp'), v('competency', 'DevOps'), v('competency', 'devops')]);
    expect(r.actual).toMatchObject({ count: 2 });
    expect(r.gap).toMatch(/^1 more program validation/);
  });

  it('R-VALID: an expired validation or a Technical Baseline Review does not count for Premier', () => {
    const expired = { ...v('competency', 'Security'), expiresOn: '2019-12-13' };
    expect(valid([v('msp'), expired, v('technical-baseline-review')]).actual).toMatchObject({ count: 1 });
  });

  it('R-VALID: Technology Advanced needs a completed Technical Baseline Review', () => {
    expect(valid([v('technical-baseline-review')], 'technology').met).toBe(true);
    const r = valid([v('msp')], 'technology');
    expect(r.met).toBe(false);
    expect(r.gap).toBe('a completed Technical Baseline Review');
  });
});

describe('R-PLAN', () => {
  const plan = (signedOffOn: string, asOf = AS_OF) =>
    req(score({ businessPlan: { signedOffOn, signedOffBy: 'pm-7' } }, asOf), 'advanced', 'business-plan');

  it('R-PLAN: a plan counts for 12 months from the Partner Manager sign-off', () => {
    expect(plan('2018-12-14').met).toBe(true);
    expect(plan('2018-12-14').expiresNext).toBe('2019-12-14');
    expect(plan('2018-12-13').met).toBe(false);
    expect(plan('2018-12-13').gap).toMatch(/signed off again/);
  });

  it('R-PLAN: a sign-off after asOf is ignored; no plan at all is a gap', () => {
    expect(plan('2019-12-14').met).toBe(false);
    const none = req(score({}), 'advanced', 'business-plan');
    expect(none.gap).toBe('a business plan signed off by the APN Partner Manager');
  });
});

describe('R-PRODUCT', () => {
  const listing = (status: 'GA' | 'beta' | 'retired', listedOn = '2019-01-01', expiresOn?: string) =>
    req(
      score({ track: 'technology', productListings: [{ id: 'p', status, listedOn, expiresOn }] }),
      'select',
      'product-listing',
    );

  it('R-PRODUCT: a product in General Availability counts; beta and retired do not', () => {
    expect(listing('GA').met).toBe(true);
    expect(listing('beta').met).toBe(false);
    expect(listing('retired').gap).toBe('1 more product listed in General Availability');
  });

  it('R-PRODUCT: a listing counts from listedOn until expiresOn (exclusive)', () => {
    expect(listing('GA', '2019-12-14').met).toBe(false);
    expect(listing('GA', '2019-01-01', '2019-12-13').met).toBe(false);
    expect(listing('GA', '2019-01-01', '2020-02-01').expiresNext).toBe('2020-02-01');
  });

  it('R-PRODUCT: Technology Select requires a product listing (Decision: follow the table)', () => {
    const sc = score({ ...technologyAdvancedInput(), productListings: [] });
    expect(sc.tiers.select?.met).toBe(false);
    expect(sc.highestTierMet).toBe('registered');
  });
});

describe('R-CAT scorecards', () => {
  it('R-CAT: a partner meeting every Premier evidence criterion reaches premier; lifecycle rows are met: null', () => {
    const sc = evaluateScorecard(evidence(premierInput()), AS_OF);
    expect(sc.highestTierMet).toBe('premier');
    expect(sc.tiers.premier?.met).toBe(true);
    const lifecycle = sc.tiers.premier?.requirements.filter((r) => r.kind === 'lifecycle').map((r) => [r.id, r.met]);
    expect(lifecycle).toEqual([
      ['program-fee', null],
      ['sustained-premier-attainment', null],
      ['executive-business-review', null],
    ]);
  });

  it('R-CAT: one Professional short of Premier leaves the partner at advanced with the gap listed', () => {
    const input = premierInput();
    input.individuals = [
      ...people(19, 'pro', () => [tp(), bp(), cert('foundational'), cert('professional')]),
      ...people(6, 'assoc', () => [cert('associate')]),
    ];
    const sc = evaluateScorecard(evidence(input), AS_OF);
    expect(sc.highestTierMet).toBe('advanced');
    expect(sc.tiers.premier?.gaps).toEqual(['AWS accredited professionals: 1 more accredited individual']);
  });

  it('R-CAT: technology scorecards carry select and advanced only, with the three experience rows', () => {
    const sc = evaluateScorecard(evidence(technologyAdvancedInput()), AS_OF);
    expect(Object.keys(sc.tiers)).toEqual(['select', 'advanced']);
    const ids = sc.tiers.advanced?.requirements.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining(['direct-revenue', 'launched-opportunities', 'experience', 'product-listing']),
    );
    expect(req(sc, 'advanced', 'direct-revenue').countsTowardTier).toBe(false);
  });

  it('R-CAT: compliance with the current tier is reported when the evidence names it (standard = select)', () => {
    const sc = evaluateScorecard(evidence({ ...technologyAdvancedInput(), tier: 'standard' }), AS_OF);
    expect(sc.currentTier).toBe('select');
    expect(sc.compliantWithCurrentTier).toBe(true);
    const empty = evaluateScorecard(evidence({ tier: 'advanced' }), AS_OF);
    expect(empty.compliantWithCurrentTier).toBe(false);
  });

  it('R-CAT: an invalid asOf is refused', () => {
    expect(() => evaluateScorecard(evidence(), '2019-02-29')).toThrow(RangeError);
  });
});
