/** The lifecycle scenario (CONTRACT §3): one partner's life to replay, validated with zod. */
import { z } from 'zod';
import { AccountIdSchema, IsoDateSchema, PartialEvidenceSchema, parseWith, type ParseResult } from '../domain/evidence';
import { partnerProfileShape, refineTrackTier } from '../domain/partner';
import { TierInputSchema } from '../domain/tiers';

const By = z.string().min(1).max(200);

/** USD with at most 2 decimals (money is integer cents underneath). */
const Usd = z
  .number()
  .positive()
  .max(10_000_000, 'amount is over $10,000,000')
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'amount has at most 2 decimals (USD)');

const FundingMethod = z.enum(['us-bank-transfer', 'eft']);

/** The payer world before the start (CONTRACT §3): AWS Organizations and Advance Pay balances (R-FEE, R-ADVANCE-PAY). */
export const ScenarioBillingSchema = z
  .object({
    organizations: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, at most 63'),
            name: z.string().min(1).max(200).optional(),
            managementAccountId: AccountIdSchema,
            memberAccountIds: z.array(AccountIdSchema).default([]),
            reseller: z.boolean().optional(),
          })
          .strict(),
      )
      .default([]),
    advancePay: z
      .array(z.object({ accountId: AccountIdSchema, amount: Usd, method: FundingMethod }).strict())
      .default([]),
  })
  .strict()
  .superRefine((b, ctx) => {
    // An AWS account belongs to at most one organization (a management account is a member of its own).
    const seen = new Map<string, string>();
    const ids = new Set<string>();
    b.organizations.forEach((o, i) => {
      if (ids.has(o.id)) ctx.addIssue({ code: 'custom', path: ['organizations', i, 'id'], message: `${o.id} twice` });
      ids.add(o.id);
      const accounts: [string, (string | number)[]][] = [
        [o.managementAccountId, ['organizations', i, 'managementAccountId']],
        ...o.memberAccountIds.map((a, j): [string, (string | number)[]] => [
          a,
          ['organizations', i, 'memberAccountIds', j],
        ]),
      ];
      for (const [account, path] of accounts) {
        const other = seen.get(account);
        if (other !== undefined && !(other === o.id && account === o.managementAccountId)) {
          ctx.addIssue({ code: 'custom', path, message: `account ${account} is already in organization ${other}` });
        }
        seen.set(account, o.id);
      }
    });
  });

export const ScenarioPartnerSchema = z
  .object({ ...partnerProfileShape, allianceLeadId: z.string().min(1).default('alliance-lead') })
  .superRefine(refineTrackTier);

export const ScenarioEventSchema = z.discriminatedUnion('type', [
  z.object({
    on: IsoDateSchema,
    type: z.literal('apply-upgrade'),
    targetTier: TierInputSchema,
    by: By.default('alliance-lead'),
    feeAccountId: AccountIdSchema.optional(),
  }),
  z.object({
    on: IsoDateSchema,
    type: z.literal('readiness-assessment'),
    outcome: z.enum(['passed', 'failed']),
    by: By,
    notes: z.string().max(2000).optional(),
  }),
  z.object({
    on: IsoDateSchema,
    type: z.literal('ebr-outcome'),
    outcome: z.enum(['approved', 'rejected', 'deferred']),
    by: By,
    notes: z.string().max(2000).optional(),
  }),
  z.object({ on: IsoDateSchema, type: z.literal('pay-fee'), amount: z.number().positive() }),
  z.object({ on: IsoDateSchema, type: z.literal('grant-extension'), days: z.number().int(), by: By }),
  z.object({ on: IsoDateSchema, type: z.literal('request-cancellation'), by: By.default('alliance-lead') }),
  z.object({ on: IsoDateSchema, type: z.literal('reinstate-tier'), by: By }),
  /** R-GRACE: the Partner Manager decides the open fee-unpaid case. */
  z.object({
    on: IsoDateSchema,
    type: z.literal('decide-case'),
    reason: z.literal('fee-unpaid').default('fee-unpaid'),
    decision: z.enum(['downgrade', 'keep']),
    by: By.default('partner-manager'),
    note: z.string().min(1).max(2000).default('decided in the scenario'),
  }),
  /** R-ADVANCE-PAY: a US bank transfer or EFT adds funds to the payer account's Advance Pay balance. */
  z.object({
    on: IsoDateSchema,
    type: z.literal('fund-advance-pay'),
    accountId: AccountIdSchema,
    amount: Usd,
    method: FundingMethod,
  }),
  /** An operator retries or dismisses every incident open that day (work that failed for a business reason). */
  z.object({
    on: IsoDateSchema,
    type: z.literal('resolve-incidents'),
    action: z.enum(['retry', 'dismiss']),
    by: By.default('operator'),
  }),
]);

export const ScenarioSchema = z
  .object({
    partner: ScenarioPartnerSchema,
    start: IsoDateSchema,
    until: IsoDateSchema,
    /** A partner migrated mid-way: monthly checks from this date up to `start` are evaluated from dated evidence. */
    lookBackFrom: IsoDateSchema.optional(),
    billing: ScenarioBillingSchema.optional(),
    evidence: z.array(z.object({ on: IsoDateSchema, set: PartialEvidenceSchema })).default([]),
    events: z.array(ScenarioEventSchema).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.until <= s.start) ctx.addIssue({ code: 'custom', path: ['until'], message: 'until must be after start' });
    if (s.lookBackFrom !== undefined && s.lookBackFrom >= s.start) {
      ctx.addIssue({ code: 'custom', path: ['lookBackFrom'], message: 'lookBackFrom must be before start' });
    }
    s.evidence.forEach((e, i) => {
      if (e.on < s.start || e.on > s.until) {
        ctx.addIssue({ code: 'custom', path: ['evidence', i, 'on'], message: `must be within ${s.start}..${s.until}` });
      }
      if (e.set.track && e.set.track !== s.partner.track) {
        ctx.addIssue({ code: 'custom', path: ['evidence', i, 'set', 'track'], message: 'must equal partner.track' });
      }
    });
    s.events.forEach((e, i) => {
      if (e.on < s.start || e.on > s.until) {
        ctx.addIssue({ code: 'custom', path: ['events', i, 'on'], message: `must be within ${s.start}..${s.until}` });
      }
    });
  });

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioEvent = z.output<typeof ScenarioEventSchema>;

export function parseScenario(input: unknown): ParseResult<Scenario> {
  return parseWith(ScenarioSchema, input);
}
