/** The lifecycle scenario (CONTRACT §3): one partner's life to replay, validated with zod. */
import { z } from 'zod';
import { AccountIdSchema, IsoDateSchema, PartialEvidenceSchema, parseWith, type ParseResult } from '../domain/evidence';
import { isRenewalMonthDay, FEE_TAX_RATES } from '../domain/membership';
import { TierInputSchema, TrackSchema, tierExistsOnTrack } from '../domain/tiers';

const By = z.string().min(1).max(200);

export const ScenarioPartnerSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'partner id: lowercase letters, digits and dashes, at most 63'),
    name: z.string().min(1).max(200),
    track: TrackSchema,
    tier: TierInputSchema,
    renewalDate: z.string().refine(isRenewalMonthDay, 'renewalDate must be a real month-day MM-DD'),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code such as US')
      .refine((c) => c in FEE_TAX_RATES, 'no VAT/GST rate is known for this country: the fee cannot be billed'),
    feeAccountId: AccountIdSchema.optional(),
    allianceLeadId: z.string().min(1).default('alliance-lead'),
  })
  .superRefine((p, ctx) => {
    if (!tierExistsOnTrack(p.tier, p.track)) {
      ctx.addIssue({ code: 'custom', path: ['tier'], message: 'premier exists for consulting partners only' });
    }
  });

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
]);

export const ScenarioSchema = z
  .object({
    partner: ScenarioPartnerSchema,
    start: IsoDateSchema,
    until: IsoDateSchema,
    evidence: z.array(z.object({ on: IsoDateSchema, set: PartialEvidenceSchema })).default([]),
    events: z.array(ScenarioEventSchema).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.until <= s.start) ctx.addIssue({ code: 'custom', path: ['until'], message: 'until must be after start' });
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
