/**
 * The API's request and response shapes (CONTRACT.md): zod is their single source — requests are validated with
 * them and the OpenAPI document is generated from them.
 */
import { z } from 'zod';
import { APPLICATION_OUTCOMES, APPLICATION_STAGES, EBR_OUTCOMES, READINESS_OUTCOMES } from '../domain/applications';
import { CASE_KINDS, CASE_REASONS, CASE_STATUSES } from '../domain/cases';
import { currentEdition } from '../domain/catalog';
import type { AuditRecord, Case, Invoice, Partner } from '../store';
import type { ApplicationStatus, Incident, PartnerStatus } from '../workflows/types';
import { IsoDateSchema, PartnerEvidenceSchema, AccountIdSchema } from '../domain/evidence';
import { partnerProfileShape, PartnerIdSchema, refineTrackTier } from '../domain/partner';
import { ScorecardSchema } from '../domain/scorecard';
import { TierInputSchema, TierSchema, TrackSchema } from '../domain/tiers';

const UserId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\t\n\r]*$/, 'a user id is one line (no tab or line break)');
const Notes = z.string().max(4000);

export const PartnerParams = z.object({ id: PartnerIdSchema });
export const ApplicationParams = z.object({
  id: PartnerIdSchema,
  appId: z.coerce
    .number()
    .int()
    .positive()
    .max(2_147_483_647)
    .meta({ description: 'The application number (1, 2, …)' }),
});

export const RegisterPartnerBody = z
  .object({
    ...partnerProfileShape,
    allianceLeadId: UserId.meta({ description: 'User id of the partner’s Alliance Lead' }),
    allianceTeamIds: z
      .array(UserId)
      .max(50)
      .optional()
      .meta({
        description:
          'The partner’s Alliance Team users (their token `sub`). When given, only they may act as its alliance-team; ' +
          'when absent, any alliance-team token naming the partner may',
      }),
    partnerManagerIds: z
      .array(UserId)
      .max(20)
      .default([])
      .meta({ description: 'APN Partner Managers assigned to the partner (their token `sub`)' }),
    lookBackFrom: IsoDateSchema.optional().meta({
      description:
        'For partners migrated mid-way: monthly checks from this date (at most 12 months back) are evaluated ' +
        'from the dated evidence, so sustained Premier attainment (R-PREMIER) does not restart at registration.',
    }),
  })
  .strict()
  .superRefine(refineTrackTier)
  .meta({ id: 'PartnerRegistration' });
export type RegisterPartnerBody = z.infer<typeof RegisterPartnerBody>;

export const PartnerSchema: z.ZodType<Partner> = z
  .object({
    id: z.string(),
    name: z.string(),
    track: TrackSchema,
    tier: TierSchema,
    renewalDate: z.string(),
    country: z.string(),
    feeAccountId: z.string().nullable(),
    allianceLeadId: z.string(),
    allianceTeamIds: z.array(z.string()).nullable(),
    partnerManagerIds: z.array(z.string()),
    atRisk: z.boolean(),
    lifecycleStage: z.string(),
    nextEbrWindow: z.string().nullable(),
    evidenceVersion: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'Partner' });

const booleanQuery = z
  .enum(['true', 'false'], { error: () => "expected 'true' or 'false'" })
  .transform((v) => v === 'true');

export const ListPartnersQuery = z
  .object({
    tier: TierInputSchema.optional(),
    track: TrackSchema.optional(),
    atRisk: booleanQuery.optional(),
    renewalMonth: z
      .string()
      .regex(/^(0[1-9]|1[0-2])$/, 'renewalMonth is a two-digit month, 01–12')
      .optional(),
    ebrWindow: z
      .string()
      .regex(/^\d{4}-Q[1-4]$/, 'ebrWindow looks like 2019-Q3')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const PartnerPageSchema = z
  .object({
    items: z.array(PartnerSchema),
    nextCursor: z.string().optional().meta({ description: 'Pass back as `cursor` for the next page' }),
  })
  .meta({ id: 'PartnerPage' });

/** The lifecycle state the partner workflow reports (its `partnerStatus` query). */
export const IncidentSchema = z
  .object({
    id: z.string(),
    step: z.string(),
    on: IsoDateSchema,
    arg: IsoDateSchema.optional(),
    openedOn: IsoDateSchema,
    command: z.string().optional(),
    application: z
      .number()
      .int()
      .optional()
      .meta({ description: 'For step `application`: the number of the upgrade application whose step failed' }),
    activity: z.string().optional(),
    errorType: z.string().optional(),
    reason: z.string(),
    attempt: z.number().int().optional(),
  })
  .meta({ id: 'Incident' });

export const LifecycleStatusSchema = z
  .object({
    partnerId: z.string(),
    today: IsoDateSchema,
    tier: TierSchema,
    track: TrackSchema,
    stage: z.string(),
    cancelled: z.boolean(),
    atRisk: z.boolean(),
    atRiskReason: z.string().optional(),
    nextRenewalReview: IsoDateSchema,
    invoice: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'The oldest open invoice (what a payment without invoiceId settles first)' }),
    invoices: z
      .array(z.record(z.string(), z.unknown()))
      .optional()
      .meta({ description: 'Every open invoice, oldest first, each with its own deadline (R-GRACE)' }),
    openCases: z.array(z.record(z.string(), z.unknown())),
    application: z.record(z.string(), z.unknown()).optional(),
    monthly: z.array(
      z.object({
        on: IsoDateSchema,
        highestTierMet: TierSchema,
        premierMet: z.boolean(),
        evidenceVersion: z
          .number()
          .int()
          .nullable()
          .optional()
          .meta({ description: 'the evidence version the check read' }),
      }),
    ),
    incidents: z
      .array(IncidentSchema)
      .optional()
      .meta({ description: 'Open incidents: work that failed for a business reason and waits for an operator' }),
    waitingFor: z.string(),
    evidenceWatched: z
      .boolean()
      .optional()
      .meta({
        description:
          'Whether an evidence change is work for the workflow (its look-back is open): otherwise a new evidence ' +
          'version is stored without waking it, and its next check reads it (absent in views written before this field)',
      }),
  })
  .meta({ id: 'LifecycleStatus' });

/**
 * Compile-time drift guards for the two workflow answers whose schemas stay looser than their types (`step` and
 * `stage` are published as strings, invoice/cases/application as open records): each schema declares exactly the
 * fields of its workflow type, so a field added to or dropped from one side without the other does not compile, and
 * every value the workflow sends fits the schema.
 */
type Fits<T, O> = [T] extends [O]
  ? [Exclude<keyof T, keyof O> | Exclude<keyof O, keyof T>] extends [never]
    ? true
    : false
  : false;
type Assert<T extends true> = T;
type Loose = 'invoice' | 'invoices' | 'openCases' | 'application';
export type IncidentSchemaFitsIncident = Assert<Fits<Incident, z.output<typeof IncidentSchema>>>;
export type LifecycleStatusSchemaFitsPartnerStatus = Assert<
  Fits<Omit<PartnerStatus, Loose>, Omit<z.output<typeof LifecycleStatusSchema>, Loose>>
>;

export const PartnerViewSchema = z
  .object({
    partner: PartnerSchema,
    lifecycle: LifecycleStatusSchema.nullable().meta({
      description:
        'The lifecycle workflow’s state: as its activities last stored it (`Apn-Lifecycle: stored`, see ' +
        '`lifecycleView`), or its live answer (`Apn-Lifecycle: live`). null when neither is there: no view stored ' +
        'yet and Temporal did not answer in time (`Apn-Lifecycle: unavailable`), or the workflow does not exist',
    }),
    scorecard: ScorecardSchema.nullable().meta({
      description: 'Latest evidence evaluated today; null without evidence',
    }),
    lifecycleView: z
      .object({
        revision: z.number().int().min(0).meta({ description: 'Grows with every view the workflow writes' }),
        asOf: IsoDateSchema.meta({ description: 'The business date the workflow saw when it wrote the view' }),
        writtenAt: z.iso.datetime().meta({ description: 'When the view was written' }),
      })
      .nullable()
      .meta({ description: 'How fresh `lifecycle` is when it comes from the store; null for a live answer' }),
  })
  .meta({ id: 'PartnerView' });

export const AuditRecordSchema: z.ZodType<Omit<AuditRecord, 'key' | 'partnerId'>> = z
  .object({
    seq: z.number().int(),
    from: TierSchema,
    to: TierSchema,
    on: IsoDateSchema,
    reason: z.string(),
    by: z.string(),
    caseId: z.string().nullable(),
  })
  .meta({ id: 'TierChange' });

export const TimelineEntrySchema = z
  .object({
    seq: z.number().int(),
    on: IsoDateSchema,
    type: z.string().meta({
      description:
        'What happened (CONTRACT §3): application-submitted, sustained-check, ebr-scheduled, tier-changed, ' +
        'fee-invoiced, at-risk, case-opened, …',
    }),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TimelineEntry' });

export const CaseSchema: z.ZodType<Omit<Case, 'key' | 'partnerId'>> = z
  .object({
    id: z.string(),
    kind: z.enum(CASE_KINDS),
    reason: z.enum(CASE_REASONS),
    openedOn: IsoDateSchema,
    targetTier: TierSchema,
    status: z.enum(CASE_STATUSES),
    outcome: z.string().nullable(),
    closedOn: IsoDateSchema.nullable(),
  })
  .meta({ id: 'Case' });

export const InvoiceSchema: z.ZodType<Omit<Invoice, 'partnerId'>> = z
  .object({
    id: z.string(),
    membershipYear: z.number().int(),
    reason: z.enum(['renewal', 'upgrade']),
    amount: z.number(),
    vatAmount: z.number(),
    currency: z.literal('USD'),
    payerAccountId: z.string().meta({
      description:
        'The account that pays: the fee account’s organization’s management account, else the fee account (R-FEE)',
    }),
    feeAccountId: z.string().nullable().meta({ description: 'The partner’s fee account the invoice is for' }),
    issuedOn: IsoDateSchema,
    dueOn: IsoDateSchema,
    status: z.enum(['open', 'paid', 'voided']),
    paidOn: IsoDateSchema.nullable(),
    paidVia: z.enum(['payment', 'advance-pay']).nullable(),
    voidedOn: IsoDateSchema.nullable(),
  })
  .meta({ id: 'Invoice' });

export const PartnerReadQuery = z
  .object({
    live: booleanQuery.optional().meta({
      description:
        'true: ask the workflow itself (2 s at most), for when the live answer matters; the stored view answers ' +
        'when it does not reply in time',
    }),
  })
  .strict();

export const ScorecardQuery = z.object({ asOf: IsoDateSchema.optional() }).strict();

export const EvaluateBody = z
  .object({ asOf: IsoDateSchema, evidence: PartnerEvidenceSchema })
  .strict()
  .meta({ id: 'EvaluationRequest' });

export const ApplyBody = z
  .object({
    targetTier: TierInputSchema,
    feeAccountId: AccountIdSchema.meta({ description: '12-digit AWS account the fee is billed to (R-FEE)' }),
  })
  .strict()
  .meta({ id: 'UpgradeApplicationRequest' });

export const ApplicationAcceptedSchema = z
  .object({ number: z.number().int(), workflowId: z.string(), location: z.string() })
  .meta({ id: 'ApplicationAccepted' });

export const ApplicationStatusSchema: z.ZodType<ApplicationStatus> = z
  .object({
    number: z.number().int(),
    workflowId: z.string(),
    targetTier: TierSchema,
    submittedOn: IsoDateSchema,
    stage: z.enum(APPLICATION_STAGES),
    sustainedSince: IsoDateSchema.optional(),
    sustainedMonths: z.number().int(),
    readiness: z
      .object({
        outcome: z.enum(READINESS_OUTCOMES),
        on: IsoDateSchema,
        by: z.string(),
        notes: z.string().optional(),
      })
      .optional(),
    ebrWindow: z.object({ id: z.string(), opensOn: IsoDateSchema, closesOn: IsoDateSchema }).optional(),
    decision: z
      .object({
        number: z.number().int(),
        targetTier: TierSchema,
        outcome: z.enum(APPLICATION_OUTCOMES),
        decidedOn: IsoDateSchema,
        reasons: z.array(z.string()),
        by: z.string(),
      })
      .optional(),
    gaps: z.array(z.string()),
  })
  .meta({ id: 'UpgradeApplication' });

export const ReadinessBody = z
  .object({ outcome: z.enum(READINESS_OUTCOMES), notes: Notes.optional() })
  .strict()
  .meta({ id: 'ReadinessAssessment' });

export const EbrOutcomeBody = z
  .object({ outcome: z.enum(EBR_OUTCOMES), notes: Notes.optional() })
  .strict()
  .meta({ id: 'EbrOutcome' });

export const EbrQuery = z.object({ window: z.string().regex(/^\d{4}-Q[1-4]$/, 'window looks like 2019-Q3') }).strict();

export const EbrEntrySchema = z
  .object({
    partnerId: z.string(),
    partnerName: z.string(),
    application: z.number().int(),
    applicationId: z.string(),
    targetTier: TierSchema,
    status: z.string(),
    window: z.string(),
  })
  .meta({ id: 'EbrEntry' });

export const PaymentBody = z
  .object({
    amount: z
      .number()
      .positive()
      .max(1_000_000, 'amount is over $1,000,000: no fee is that large')
      .refine((n) => Math.round(n * 100) === n * 100, 'amount has at most 2 decimals (USD)'),
  })
  .strict()
  .meta({ id: 'FeePayment' });

export const ExtensionBody = z
  .object({ days: z.number().int().min(1).max(currentEdition.lifecycle.programFee.maxExtensionDays) })
  .strict()
  .meta({ id: 'FeeExtension' });

export const CancellationBody = z.object({ reason: Notes.optional() }).strict().meta({ id: 'CancellationRequest' });

export const CaseParams = z.object({
  id: PartnerIdSchema,
  caseNumber: z.coerce
    .number()
    .int()
    .positive()
    .max(1_000_000)
    .meta({ description: 'The case number: the last part of its id `<partner>/case/<n>`' }),
});

export const CaseDecisionBody = z
  .object({
    decision: z.enum(['downgrade', 'keep']).meta({
      description: 'downgrade: the partner drops to registered; keep: the tier stays and the invoice stays open',
    }),
    reason: Notes.refine((s) => s.trim().length > 0, 'a decision needs its reason'),
  })
  .strict()
  .meta({ id: 'CaseDecision' });

export const IncidentParams = z.object({
  id: PartnerIdSchema,
  incidentId: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/)
    .meta({ description: 'The incident number, as listed under lifecycle.incidents' }),
});

export const IncidentResolutionBody = z
  .object({
    action: z.enum(['retry', 'dismiss']).meta({
      description: 'retry runs the failed step again (a new incident if it fails again); dismiss closes it as is',
    }),
    note: Notes.optional(),
  })
  .strict()
  .meta({ id: 'IncidentResolution' });

export const EvidenceDocumentSchema = z
  .object({
    partnerId: z.string(),
    version: z.number().int(),
    recordedOn: IsoDateSchema.nullable(),
    document: PartnerEvidenceSchema,
  })
  .meta({ id: 'EvidenceRecord' });

export { PartnerIdSchema, UserId };
