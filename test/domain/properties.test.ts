/** Properties of evaluateScorecard over generated evidence (fast-check). */
import fc from 'fast-check';
import {
  addDays,
  evaluateScorecard,
  maxDate,
  PartnerEvidenceSchema,
  tierRank,
  type PartnerEvidence,
  type PartnerEvidenceInput,
} from '../../src/domain';
import { judgeAccredited } from '../../src/domain/measures';
import { premierInput, technologyAdvancedInput } from './builders';

type Lists = Required<Omit<PartnerEvidenceInput, 'track' | 'tier' | 'domains' | 'businessPlan'>>;
type Person = Lists['individuals'][number];
type Credential = NonNullable<Person['credentials']>[number];

const START = '2018-01-01';
const dayArb = (min = 0, max = 900) => fc.integer({ min, max }).map((n) => addDays(START, n));
const moneyArb = (maxCents: number) => fc.integer({ min: 0, max: maxCents }).map((c) => c / 100);
const endArb = (start: string) =>
  fc.option(
    fc.integer({ min: 0, max: 900 }).map((n) => addDays(start, n)),
    { nil: undefined },
  );

const credentialArb: fc.Arbitrary<Credential> = fc.oneof(
  fc
    .tuple(fc.constantFrom('technical-professional' as const, 'business-professional' as const), dayArb())
    .chain(([name, earnedOn]) =>
      endArb(earnedOn).map((expiresOn): Credential => ({ type: 'accreditation', name, earnedOn, expiresOn })),
    ),
  fc
    .tuple(
      fc.constantFrom('foundational' as const, 'associate' as const, 'professional' as const, 'specialty' as const),
      dayArb(),
    )
    .chain(([level, earnedOn]) =>
      endArb(earnedOn).map((expiresOn): Credential => ({
        type: 'certification',
        name: level === 'foundational' ? 'cloud-practitioner' : `some-${level}`,
        level,
        earnedOn,
        expiresOn,
      })),
    ),
);

const personArb = dayArb().chain((registeredOn) =>
  fc.record({
    registeredOn: fc.constant(registeredOn),
    leftOn: fc.option(
      fc.integer({ min: 0, max: 900 }).map((n) => addDays(registeredOn, n)),
      { nil: null },
    ),
    credentials: fc.array(credentialArb, { maxLength: 4 }),
  }),
);

const oppArb = fc.record({
  status: fc.constantFrom('submitted' as const, 'approved' as const, 'launched' as const, 'closed-lost' as const),
  launchedOn: dayArb(),
  estimatedMrr: moneyArb(300_000),
  source: fc.constantFrom('partner' as const, 'aws-referred' as const, 'aws-tagged' as const, 'marketplace' as const),
});

const revenueArb = fc.record({
  accountId: fc.constant('123456789012'),
  domain: fc.constantFrom('example.com', 'other.com'),
  month: dayArb().map((d) => d.slice(0, 7)),
  billed: moneyArb(5_000_000),
  kind: fc.constantFrom(
    'usage' as const,
    'reserved-instance' as const,
    'other-upfront' as const,
    'channel-resale' as const,
  ),
  credits: fc.array(
    fc.record({ type: fc.constantFrom('MAP Credit', 'EAP Credit', 'Promotional Credit'), amount: moneyArb(100_000) }),
    { maxLength: 2 },
  ),
});

const validationArb = dayArb().chain((achievedOn) =>
  fc.record({
    program: fc.constantFrom(
      'competency' as const,
      'msp' as const,
      'well-architected' as const,
      'technical-baseline-review' as const,
    ),
    name: fc.constantFrom('DevOps', 'Security', 'Migration', 'devops'),
    achievedOn: fc.constant(achievedOn),
    expiresOn: endArb(achievedOn),
  }),
);

const referenceArb = dayArb().chain((designatedOn) =>
  fc.record({
    customer: fc.constantFrom('Acme', 'Beta', 'Gamma', 'Delta', 'acme'),
    public: fc.boolean(),
    source: fc.constantFrom('ace-opportunity' as const, 'public-reference-tool' as const, 'legacy' as const),
    designatedOn: fc.constant(designatedOn),
    approvedOn: fc.option(
      fc.integer({ min: 0, max: 30 }).map((n) => addDays(designatedOn, n)),
      { nil: undefined },
    ),
    status: fc.constantFrom('pending' as const, 'approved' as const, 'rejected' as const),
    url: fc.constant('https://example.com/case'),
  }),
);

const csatArb = fc.record({
  customer: fc.constantFrom('Acme', 'Beta'),
  submittedOn: dayArb(),
  origin: fc.constant('rate-this-partner' as const),
  emailConfirmed: fc.boolean(),
  awsCustomerVerified: fc.boolean(),
});

const listingArb = fc.record({
  status: fc.constantFrom('GA' as const, 'beta' as const, 'retired' as const),
  listedOn: dayArb(),
});

function withIds<T extends object>(items: T[], prefix: string): (T & { id: string })[] {
  return items.map((item, i) => ({ ...item, id: `${prefix}-${i}` }));
}

/** Random evidence lists whose ids all start with `prefix`. */
function listsArb(prefix: string, maxLength = 25): fc.Arbitrary<Lists> {
  return fc
    .record({
      individuals: fc.array(personArb, { maxLength }),
      opportunities: fc.array(oppArb, { maxLength }),
      legacy: fc.array(dayArb(), { maxLength: 5 }),
      directRevenue: fc.array(revenueArb, { maxLength }),
      productListings: fc.array(listingArb, { maxLength: 3 }),
      validations: fc.array(validationArb, { maxLength: 5 }),
      references: fc.array(referenceArb, { maxLength: 8 }),
      csatResponses: fc.array(csatArb, { maxLength }),
    })
    .map((l) => ({
      individuals: withIds(l.individuals, `${prefix}p`),
      opportunities: withIds(l.opportunities, `${prefix}o`),
      legacyRevenueSubmissions: l.legacy.map((submittedOn, i) => ({
        accountId: `${prefix === 'a' ? 1 : 2}${String(i).padStart(11, '0')}`,
        submittedOn,
      })),
      directRevenue: l.directRevenue,
      productListings: withIds(l.productListings, `${prefix}l`),
      validations: l.validations,
      references: withIds(l.references, `${prefix}r`),
      csatResponses: withIds(l.csatResponses, `${prefix}c`),
    }));
}

const LIST_KEYS = [
  'individuals',
  'opportunities',
  'legacyRevenueSubmissions',
  'directRevenue',
  'productListings',
  'validations',
  'references',
  'csatResponses',
] as const;

/** A base document: a random share of a rich fixture (so every tier is reachable) plus random items. */
const baseArb = fc
  .record({
    track: fc.constantFrom('consulting' as const, 'technology' as const),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
    plan: fc.option(dayArb(), { nil: null }),
    lists: listsArb('a'),
  })
  .map(({ track, share, plan, lists }): PartnerEvidenceInput => {
    const fixture = track === 'consulting' ? premierInput() : technologyAdvancedInput();
    const doc: PartnerEvidenceInput = {
      track,
      domains: ['example.com'],
      businessPlan: plan ? { signedOffOn: plan, signedOffBy: 'pm-7' } : null,
    };
    for (const key of LIST_KEYS) {
      const rich = (fixture[key] ?? []) as unknown[];
      const kept = rich.slice(0, Math.round(rich.length * share));
      (doc as Record<string, unknown>)[key] = [...kept, ...(lists[key] as unknown[])];
    }
    return doc;
  });

const asOfArb = fc.constantFrom('2019-06-30', '2019-12-13', '2020-02-29', '2020-03-31', '2020-04-01', '2020-06-15');

function parse(input: PartnerEvidenceInput): PartnerEvidence {
  return PartnerEvidenceSchema.parse(input);
}

function union(base: PartnerEvidenceInput, extra: Lists, plan: string | null): PartnerEvidenceInput {
  const out: PartnerEvidenceInput = { ...base };
  for (const key of LIST_KEYS) {
    (out as Record<string, unknown>)[key] = [...((base[key] ?? []) as unknown[]), ...(extra[key] as unknown[])];
  }
  if (!base.businessPlan && plan) out.businessPlan = { signedOffOn: plan, signedOffBy: 'pm-8' };
  return out;
}

/** Deterministic Fisher–Yates from a seed (the seed comes from fast-check, so failures shrink and replay). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('evaluateScorecard properties', () => {
  it('R-CAT: adding evidence never lowers highestTierMet (nor unmeets any tier)', () => {
    fc.assert(
      fc.property(
        baseArb,
        listsArb('b', 15),
        fc.option(dayArb(), { nil: null }),
        asOfArb,
        (base, extra, plan, asOf) => {
          const before = evaluateScorecard(parse(base), asOf);
          const after = evaluateScorecard(parse(union(base, extra, plan)), asOf);
          expect(tierRank(after.highestTierMet)).toBeGreaterThanOrEqual(tierRank(before.highestTierMet));
          for (const [tier, result] of Object.entries(before.tiers)) {
            if (result.met) expect(after.tiers[tier as keyof typeof after.tiers]?.met).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('R-CAT: input order never changes the result', () => {
    fc.assert(
      fc.property(baseArb, fc.integer(), asOfArb, (base, seed, asOf) => {
        const shuffled: PartnerEvidenceInput = { ...base, domains: shuffle(base.domains ?? [], seed) };
        LIST_KEYS.forEach((key, k) => {
          (shuffled as Record<string, unknown>)[key] = shuffle((base[key] ?? []) as unknown[], seed + k);
        });
        shuffled.individuals = (shuffled.individuals ?? []).map((p, i) => ({
          ...p,
          credentials: shuffle(p.credentials ?? [], seed ^ i),
        }));
        shuffled.directRevenue = (shuffled.directRevenue ?? []).map((r, i) => ({
          ...r,
          credits: shuffle(r.credits ?? [], seed + 31 * i),
        }));
        expect(evaluateScorecard(parse(shuffled), asOf)).toEqual(evaluateScorecard(parse(base), asOf));
      }),
      { numRuns: 300 },
    );
  });

  it('R-WINDOW: evaluation never reads evidence dated after asOf', () => {
    const asOf = '2019-12-13';
    const after = (n: number) => addDays(asOf, 1 + n);
    const futureArb = fc.record({
      people: fc.array(fc.record({ n: fc.nat(400), credentials: fc.array(credentialArb, { maxLength: 3 }) }), {
        maxLength: 5,
      }),
      lateCredentials: fc.array(fc.tuple(fc.nat(), fc.nat(400), credentialArb), { maxLength: 5 }),
      departures: fc.array(fc.tuple(fc.nat(), fc.nat(400)), { maxLength: 5 }),
      opportunities: fc.array(fc.tuple(oppArb, fc.nat(400)), { maxLength: 5 }),
      revenue: fc.array(fc.tuple(revenueArb, fc.nat(12)), { maxLength: 5 }),
      references: fc.array(fc.tuple(referenceArb, fc.nat(400), fc.boolean()), { maxLength: 5 }),
      csat: fc.array(fc.tuple(csatArb, fc.nat(400)), { maxLength: 5 }),
      legacy: fc.array(fc.nat(400), { maxLength: 3 }),
      validations: fc.array(fc.tuple(validationArb, fc.nat(400)), { maxLength: 3 }),
      plan: fc.nat(400),
    });
    fc.assert(
      fc.property(baseArb, futureArb, (base, f) => {
        const doc = parse(base);
        const future = structuredClone(doc);
        for (const [k, n] of f.departures) {
          const p = future.individuals[k % Math.max(1, future.individuals.length)];
          if (p && !p.leftOn) p.leftOn = maxDate(after(n), p.registeredOn);
        }
        future.individuals.push(
          ...f.people.map((p, i) => ({ id: `fp-${i}`, registeredOn: after(p.n), leftOn: null, credentials: [] })),
        );
        for (const [k, n, c] of f.lateCredentials) {
          const p = future.individuals[k % Math.max(1, future.individuals.length)];
          p?.credentials.push({ ...c, earnedOn: after(n), expiresOn: null });
        }
        future.opportunities.push(
          ...f.opportunities.map(([o, n], i) => ({ ...o, id: `fo-${i}`, launchedOn: after(n) })),
        );
        future.directRevenue.push(
          ...f.revenue.map(([r, m]) => ({ ...r, month: addDays(`${asOf.slice(0, 7)}-01`, 31 * m).slice(0, 7) })),
        );
        future.references.push(
          ...f.references.map(([r, n, lateApproval], i) => ({
            ...r,
            id: `fr-${i}`,
            ...(lateApproval && r.source === 'public-reference-tool'
              ? { designatedOn: asOf, approvedOn: after(n) }
              : { designatedOn: after(n), approvedOn: after(n) }),
          })),
        );
        future.csatResponses.push(...f.csat.map(([c, n], i) => ({ ...c, id: `fc-${i}`, submittedOn: after(n) })));
        future.legacyRevenueSubmissions.push(
          ...f.legacy.map((n, i) => ({ accountId: `9${String(i).padStart(11, '0')}`, submittedOn: after(n) })),
        );
        future.validations.push(...f.validations.map(([v, n]) => ({ ...v, achievedOn: after(n), expiresOn: null })));
        if (!future.businessPlan) future.businessPlan = { signedOffOn: after(f.plan), signedOffBy: 'pm-9' };
        expect(PartnerEvidenceSchema.safeParse(future).success).toBe(true);
        expect(evaluateScorecard(future, asOf)).toEqual(evaluateScorecard(doc, asOf));
      }),
      { numRuns: 300 },
    );
  });

  it('R-CAT: the generated documents reach every tier (the properties are not vacuous)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(baseArb, (base) => {
        seen.add(`${base.track}:${evaluateScorecard(parse(base), '2019-12-13').highestTierMet}`);
      }),
      { numRuns: 300, seed: 42 },
    );
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['consulting:premier', 'consulting:registered', 'technology:advanced']),
    );
  });
});

describe('R-ACCRED assignment', () => {
  it('R-ACCRED: the formula agrees with trying every assignment of people holding both accreditations', () => {
    const n = fc.integer({ min: 0, max: 12 });
    fc.assert(
      fc.property(n, n, n, n, n, (technicalOnly, businessOnly, both, technical, business) => {
        let possible = false;
        for (let k = 0; k <= both; k++) {
          if (technicalOnly + k >= technical && businessOnly + (both - k) >= business) possible = true;
        }
        const j = judgeAccredited(
          { technicalOnly, businessOnly, both, foundational: 0, technical: 0, professionalOrSpecialty: 0 },
          { technical, business },
        );
        expect(j.met).toBe(possible);
        if (!possible) expect(j.gap).toMatch(/^\d+ more accredited individual/);
      }),
      { numRuns: 1000 },
    );
  });
});
