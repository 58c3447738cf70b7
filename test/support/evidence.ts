/**
 * Evidence builders for lifecycle tests: a consulting partner that meets a tier's evidence requirements (R-CAT) on
 * and for 12 months after `on`. Counts are the 2019 thresholds read from the catalog, so a test edition change shows.
 */
import type { PartialEvidence } from '../../src/domain/evidence';

type ConsultingTier = 'select' | 'advanced' | 'premier';

const SIZE: Record<
  ConsultingTier,
  {
    tech: number;
    biz: number;
    found: number;
    certified: number;
    pro: number;
    opps: number;
    mrr: number;
    refs: number;
    csat: number;
    plan: boolean;
    validations: boolean;
  }
> = {
  select: {
    tech: 2,
    biz: 2,
    found: 2,
    certified: 2,
    pro: 0,
    opps: 3,
    mrr: 1_500,
    refs: 1,
    csat: 5,
    plan: false,
    validations: false,
  },
  advanced: {
    tech: 4,
    biz: 4,
    found: 4,
    certified: 6,
    pro: 3,
    opps: 20,
    mrr: 10_000,
    refs: 2,
    csat: 20,
    plan: true,
    validations: false,
  },
  premier: {
    tech: 10,
    biz: 10,
    found: 10,
    certified: 25,
    pro: 10,
    opps: 50,
    mrr: 50_000,
    refs: 6,
    csat: 30,
    plan: true,
    validations: true,
  },
};

/** People, opportunities, references, CSAT, plan and validations meeting `tier` from `on` (ids prefixed by `tag`). */
export function consultingEvidence(tier: ConsultingTier, on: string, tag = on): PartialEvidence {
  const s = SIZE[tier];
  const people = Math.max(s.tech + s.biz, s.found, s.certified);
  const individuals = Array.from({ length: people }, (_, i) => ({
    id: `u-${i}`,
    registeredOn: '2018-01-01',
    leftOn: null,
    credentials: [
      ...(i < s.tech
        ? [{ type: 'accreditation' as const, name: 'technical-professional', earnedOn: '2018-02-01' }]
        : []),
      ...(i >= s.tech && i < s.tech + s.biz
        ? [{ type: 'accreditation' as const, name: 'business-professional', earnedOn: '2018-02-01' }]
        : []),
      ...(i < s.found
        ? [
            {
              type: 'certification' as const,
              name: 'cloud-practitioner',
              level: 'foundational' as const,
              earnedOn: '2018-03-01',
            },
          ]
        : []),
      ...(i < s.certified
        ? [
            i < s.pro
              ? {
                  type: 'certification' as const,
                  name: 'solutions-architect-professional',
                  level: 'professional' as const,
                  earnedOn: '2018-03-01',
                }
              : {
                  type: 'certification' as const,
                  name: 'solutions-architect-associate',
                  level: 'associate' as const,
                  earnedOn: '2018-03-01',
                },
          ]
        : []),
    ],
  }));
  return {
    individuals,
    opportunities: Array.from({ length: s.opps }, (_, i) => ({
      id: `o-${tag}-${i}`,
      status: 'launched' as const,
      launchedOn: on,
      estimatedMrr: Math.ceil(s.mrr / s.opps),
      source: 'partner' as const,
    })),
    references: Array.from({ length: s.refs }, (_, i) => ({
      id: `r-${tag}-${i}`,
      customer: `Customer ${i}`,
      public: true,
      source: 'ace-opportunity' as const,
      designatedOn: on,
      status: 'approved' as const,
    })),
    csatResponses: Array.from({ length: s.csat }, (_, i) => ({
      id: `c-${tag}-${i}`,
      customer: `Customer ${i % 7}`,
      submittedOn: on,
      origin: 'rate-this-partner' as const,
      emailConfirmed: true,
      awsCustomerVerified: true,
    })),
    businessPlan: s.plan ? { signedOffOn: on, signedOffBy: 'pm-7' } : null,
    validations: s.validations
      ? [
          { program: 'competency' as const, name: 'DevOps', achievedOn: '2018-06-01', expiresOn: null },
          { program: 'msp' as const, achievedOn: '2018-06-01', expiresOn: null },
          { program: 'well-architected' as const, achievedOn: '2018-06-01', expiresOn: null },
        ]
      : [],
  } as PartialEvidence;
}
