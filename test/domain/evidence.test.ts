/** CONTRACT §1: what the evidence schema accepts and how it refuses. */
import {
  mergeEvidence,
  parseEvidence,
  parsePartialEvidence,
  PartnerEvidenceSchema,
  TierInputSchema,
  TrackTierSchema,
  type ValidationIssue,
} from '../../src/domain';
import { cert, csat, person, premierInput, ref } from './builders';

function issues(input: unknown): ValidationIssue[] {
  const r = parseEvidence(input);
  if (r.ok) throw new Error('expected a refusal');
  return r.issues;
}

const base = { track: 'consulting' };

describe('evidence schema', () => {
  it('accepts the CONTRACT §1 example and defaults missing lists', () => {
    const r = parseEvidence({ track: 'technology' });
    expect(r.ok && r.value).toMatchObject({ track: 'technology', individuals: [], businessPlan: null });
    expect(parseEvidence(premierInput()).ok).toBe(true);
  });

  it('refuses account ids that are not 12 digits, with the path', () => {
    expect(
      issues({ ...base, legacyRevenueSubmissions: [{ accountId: '12345678901', submittedOn: '2019-01-01' }] }),
    ).toEqual([{ path: 'legacyRevenueSubmissions[0].accountId', message: 'AWS account ID must be exactly 12 digits' }]);
    expect(
      issues({ ...base, legacyRevenueSubmissions: [{ accountId: 123456789012, submittedOn: '2019-01-01' }] })[0]?.path,
    ).toBe('legacyRevenueSubmissions[0].accountId');
  });

  it('refuses dates that are not real calendar days', () => {
    for (const bad of ['2019-02-29', '2019-13-01', '2019-1-01', '20190101', '2019-04-31']) {
      expect(issues({ ...base, individuals: [person('u', [], { registeredOn: bad })] })).toEqual([
        { path: 'individuals[0].registeredOn', message: 'expected a real calendar date YYYY-MM-DD' },
      ]);
    }
    expect(parseEvidence({ ...base, individuals: [person('u', [], { registeredOn: '2020-02-29' })] }).ok).toBe(true);
  });

  it('refuses negative money and money with more than 2 decimals', () => {
    const o = { id: 'o', status: 'launched', launchedOn: '2019-01-01', source: 'partner' };
    expect(issues({ ...base, opportunities: [{ ...o, estimatedMrr: -1 }] })).toEqual([
      { path: 'opportunities[0].estimatedMrr', message: 'amount must not be negative' },
    ]);
    expect(issues({ ...base, opportunities: [{ ...o, estimatedMrr: 1.005 }] })[0]?.message).toBe(
      'amount has more than 2 decimals',
    );
    expect(parseEvidence({ ...base, opportunities: [{ ...o, estimatedMrr: 1.25 }] }).ok).toBe(true);
  });

  it('refuses unknown enum values', () => {
    const found = issues({
      track: 'reseller',
      opportunities: [{ id: 'o', status: 'won', launchedOn: '2019-01-01', estimatedMrr: 1, source: 'partner' }],
    }).map((i) => i.path);
    expect(found).toEqual(['track', 'opportunities[0].status']);
  });

  it('refuses premier on the technology track; reads standard as select', () => {
    expect(issues({ track: 'technology', tier: 'premier' })).toEqual([
      { path: 'tier', message: 'premier exists for consulting partners only' },
    ]);
    expect(PartnerEvidenceSchema.parse({ track: 'technology', tier: 'standard' }).tier).toBe('select');
    expect(TierInputSchema.parse('standard')).toBe('select');
    expect(TrackTierSchema.safeParse({ track: 'technology', tier: 'premier' }).success).toBe(false);
    expect(TrackTierSchema.parse({ track: 'consulting', tier: 'premier' })).toEqual({
      track: 'consulting',
      tier: 'premier',
    });
  });

  it('R-CSAT: refuses responses from any origin but rate-this-partner (FAQ 60)', () => {
    const found = issues({ ...base, csatResponses: [{ ...csat('c', '2019-01-01'), origin: 'our-own-survey' }] });
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe('csatResponses[0].origin');
    expect(found[0]?.message).toMatch(/Rate this Partner/);
  });

  it('R-REF: refuses Public Reference tool entries without a URL (FAQ 49)', () => {
    expect(
      issues({ ...base, references: [ref('r', 'Acme', '2019-01-01', { source: 'public-reference-tool' })] }),
    ).toEqual([
      { path: 'references[0].url', message: 'a Public Reference tool entry needs a URL to a public asset (FAQ 49)' },
    ]);
  });

  it('refuses duplicate ids within each list, naming the first occurrence', () => {
    const found = issues({
      ...base,
      individuals: [person('u', []), person('v', []), person('u', [])],
      csatResponses: [csat('c', '2019-01-01'), csat('c', '2019-01-02')],
    });
    expect(found).toEqual([
      { path: 'individuals[2].id', message: "duplicate id 'u' (first at individuals[0])" },
      { path: 'csatResponses[1].id', message: "duplicate id 'c' (first at csatResponses[0])" },
    ]);
  });

  it('lists every problem at once, item errors and duplicates together', () => {
    const found = issues({
      ...base,
      individuals: [person('u', [], { registeredOn: 'nope' }), person('u', [])],
    });
    expect(found.map((i) => i.path)).toEqual(['individuals[0].registeredOn', 'individuals[1].id']);
  });

  it('R-FOUND: refuses a foundational certification other than Cloud Practitioner', () => {
    expect(
      issues({ ...base, individuals: [person('u', [cert('foundational', '2019-01-01', undefined, 'other')])] })[0],
    ).toEqual({
      path: 'individuals[0].credentials[0].name',
      message: 'the only foundational certification is cloud-practitioner (FAQ 17)',
    });
  });

  it('refuses a launched opportunity without launch date and a document that is not an object', () => {
    expect(
      issues({ ...base, opportunities: [{ id: 'o', status: 'launched', estimatedMrr: 1, source: 'partner' }] })[0]
        ?.path,
    ).toBe('opportunities[0].launchedOn');
    expect(issues(null)[0]?.path).toBe('(root)');
  });
});

describe('partial evidence', () => {
  it('a partial document replaces the whole top-level lists it names and keeps the others', () => {
    const whole = PartnerEvidenceSchema.parse(premierInput());
    const partial = parsePartialEvidence({ csatResponses: [csat('only', '2019-06-01')] });
    if (!partial.ok) throw new Error('partial refused');
    const merged = mergeEvidence(whole, partial.value);
    expect(merged.csatResponses.map((c) => c.id)).toEqual(['only']);
    expect(merged.individuals).toBe(whole.individuals);
    expect(merged.track).toBe('consulting');
  });

  it('a partial document is validated like a whole one', () => {
    const r = parsePartialEvidence({ references: [ref('a', 'A', '2019-01-01'), ref('a', 'B', '2019-13-01')] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(['references[1].designatedOn', 'references[1].id']);
  });
});
