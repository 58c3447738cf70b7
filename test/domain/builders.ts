/** Evidence builders for the rule tests: small, explicit, dated. */
import {
  PartnerEvidenceSchema,
  type PartnerEvidence,
  type PartnerEvidenceInput,
  type RequirementResult,
  type Scorecard,
  type Tier,
} from '../../src/domain';

type Input<K extends keyof PartnerEvidenceInput> = NonNullable<PartnerEvidenceInput[K]>;
type PersonInput = Input<'individuals'>[number];
type CredentialInput = NonNullable<PersonInput['credentials']>[number];

export function evidence(input: Partial<PartnerEvidenceInput> = {}): PartnerEvidence {
  return PartnerEvidenceSchema.parse({ track: 'consulting', ...input });
}

export function person(
  id: string,
  credentials: CredentialInput[],
  opts: { registeredOn?: string; leftOn?: string | null } = {},
): PersonInput {
  return { id, registeredOn: opts.registeredOn ?? '2018-01-01', leftOn: opts.leftOn ?? null, credentials };
}

export function accreditation(
  name: 'technical-professional' | 'business-professional',
  earnedOn = '2018-06-01',
  expiresOn?: string,
): CredentialInput {
  return { type: 'accreditation', name, earnedOn, ...(expiresOn ? { expiresOn } : {}) };
}

export const tp = (earnedOn?: string, expiresOn?: string) =>
  accreditation('technical-professional', earnedOn, expiresOn);
export const bp = (earnedOn?: string, expiresOn?: string) =>
  accreditation('business-professional', earnedOn, expiresOn);

export function cert(
  level: 'foundational' | 'associate' | 'professional' | 'specialty',
  earnedOn = '2018-06-01',
  expiresOn?: string,
  name?: string,
): CredentialInput {
  const defaultName = {
    foundational: 'cloud-practitioner',
    associate: 'solutions-architect-associate',
    professional: 'solutions-architect-professional',
    specialty: 'security-specialty',
  }[level];
  return { type: 'certification', name: name ?? defaultName, level, earnedOn, ...(expiresOn ? { expiresOn } : {}) };
}

/** `n` people built by `make(i)`. */
export function people(n: number, prefix: string, credentials: (i: number) => CredentialInput[]): PersonInput[] {
  return Array.from({ length: n }, (_, i) => person(`${prefix}-${i}`, credentials(i)));
}

export function opp(
  id: string,
  launchedOn: string,
  estimatedMrr: number,
  source: 'partner' | 'aws-referred' | 'aws-tagged' | 'marketplace' = 'partner',
  status: 'submitted' | 'approved' | 'launched' | 'closed-lost' = 'launched',
): Input<'opportunities'>[number] {
  return { id, status, launchedOn, estimatedMrr, source };
}

export function opps(n: number, launchedOn: string, mrrEach: number, prefix = 'o'): Input<'opportunities'> {
  return Array.from({ length: n }, (_, i) => opp(`${prefix}-${i}`, launchedOn, mrrEach));
}

export function csat(
  id: string,
  submittedOn: string,
  flags: { emailConfirmed?: boolean; awsCustomerVerified?: boolean; customer?: string } = {},
): Input<'csatResponses'>[number] {
  return {
    id,
    customer: flags.customer ?? 'Acme',
    submittedOn,
    origin: 'rate-this-partner',
    emailConfirmed: flags.emailConfirmed ?? true,
    awsCustomerVerified: flags.awsCustomerVerified ?? true,
  };
}

export function csats(n: number, submittedOn: string, prefix = 'c'): Input<'csatResponses'> {
  return Array.from({ length: n }, (_, i) => csat(`${prefix}-${i}`, submittedOn));
}

export function ref(
  id: string,
  customer: string,
  designatedOn: string,
  opts: Partial<Input<'references'>[number]> = {},
): Input<'references'>[number] {
  return {
    id,
    customer,
    public: true,
    source: 'ace-opportunity',
    designatedOn,
    status: 'approved',
    url: null,
    ...opts,
  };
}

export function refs(n: number, designatedOn: string, prefix = 'r'): Input<'references'> {
  return Array.from({ length: n }, (_, i) => ref(`${prefix}-${i}`, `Customer ${prefix}-${i}`, designatedOn));
}

export function revenue(
  month: string,
  billed: number,
  opts: Partial<Input<'directRevenue'>[number]> = {},
): Input<'directRevenue'>[number] {
  return { accountId: '123456789012', domain: 'example.com', month, billed, kind: 'usage', credits: [], ...opts };
}

/** The result of requirement `id` at `tier`; fails the test when absent. */
export function req(scorecard: Scorecard, tier: Tier, id: string): RequirementResult {
  if (tier === 'registered') throw new Error('registered has no requirements');
  const found = scorecard.tiers[tier]?.requirements.find((r) => r.id === id);
  if (!found) throw new Error(`no ${id} at ${tier}`);
  return found;
}

/**
 * A consulting partner meeting every Premier evidence criterion on 2019-12-13: 20 people with both
 * accreditations, Cloud Practitioner and a Professional certification, plus 5 with an Associate only;
 * 50 opportunities (1,000 MRR each), plan, MSP + DevOps + Security competencies, 6 references, 30 CSAT.
 */
export function premierInput(): PartnerEvidenceInput {
  return {
    track: 'consulting',
    domains: ['example.com'],
    individuals: [
      ...people(20, 'pro', () => [tp(), bp(), cert('foundational'), cert('professional')]),
      ...people(5, 'assoc', () => [cert('associate')]),
    ],
    opportunities: opps(50, '2019-06-01', 1000),
    businessPlan: { signedOffOn: '2019-03-01', signedOffBy: 'pm-7' },
    validations: [
      { program: 'msp', achievedOn: '2018-01-01', expiresOn: null },
      { program: 'competency', name: 'DevOps', achievedOn: '2018-01-01', expiresOn: null },
      { program: 'competency', name: 'Security', achievedOn: '2018-01-01', expiresOn: null },
    ],
    references: refs(6, '2019-04-01'),
    csatResponses: csats(30, '2019-05-05'),
  };
}

/** A technology partner meeting every Advanced evidence criterion on 2019-12-13 through opportunities. */
export function technologyAdvancedInput(): PartnerEvidenceInput {
  return {
    track: 'technology',
    domains: ['example.com'],
    individuals: [...people(2, 'pro', () => [cert('professional')]), ...people(2, 'assoc', () => [cert('associate')])],
    opportunities: opps(20, '2019-06-01', 500),
    productListings: [{ id: 'p-1', status: 'GA', listedOn: '2019-01-01' }],
    businessPlan: { signedOffOn: '2019-03-01', signedOffBy: 'pm-7' },
    validations: [{ program: 'technical-baseline-review', achievedOn: '2019-02-01', expiresOn: null }],
    references: refs(2, '2019-04-01'),
    csatResponses: csats(20, '2019-05-05'),
  };
}
