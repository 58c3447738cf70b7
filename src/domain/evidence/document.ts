/**
 * The evidence document (CONTRACT §1): everything the requirement rules read about one partner.
 * The zod schemas are the single source of the types; refusals carry path-qualified messages.
 */
import { z } from 'zod';
import { isIsoDate, isIsoMonth } from '../dates';
import { EngineError, ErrorType } from '../errors';
import { TierInputSchema, TrackSchema } from '../tiers';

/** A real calendar day written `YYYY-MM-DD`; published as `format: date` with its pattern, so clients can tell. */
export const IsoDateSchema = z
  .string({ error: 'expected a date string YYYY-MM-DD' })
  .refine(isIsoDate, { message: 'expected a real calendar date YYYY-MM-DD' })
  .meta({ format: 'date', pattern: '^(?!0000)\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' });

/** A real calendar month written `YYYY-MM`. */
export const IsoMonthSchema = z
  .string({ error: 'expected a month string YYYY-MM' })
  .refine(isIsoMonth, { message: 'expected a calendar month YYYY-MM' })
  .meta({ pattern: '^(?!0000)\\d{4}-(0[1-9]|1[0-2])$' });

/** Larger than any amount this program bills or counts; bounds what clients may send. */
const MAX_USD = 1_000_000_000_000;
/** Bounds of free text and of the lists of one evidence document (a body is at most 1 MB anyway). */
const MAX_TEXT = 500;
const MAX_ITEMS = 10_000;

/** USD amount: finite, non-negative, at most 2 decimals. */
export const MoneySchema = z
  .number({ error: 'expected an amount in USD (a number)' })
  .min(0, { message: 'amount must not be negative' })
  .max(MAX_USD, { message: 'amount is over $1 trillion' })
  .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, { message: 'amount has more than 2 decimals' });

/** A 12-digit AWS account ID, as a string (leading zeros matter). */
export const AccountIdSchema = z
  .string({ error: 'expected a 12-digit AWS account ID as a string' })
  .regex(/^\d{12}$/, { message: 'AWS account ID must be exactly 12 digits' });

const IdSchema = z
  .string({ error: 'expected an id string' })
  .min(1, { message: 'id must not be empty' })
  .max(200, { message: 'id is longer than 200 characters' });
const NonEmpty = z.string().min(1, { message: 'must not be empty' }).max(MAX_TEXT);
const Text = z.string().max(MAX_TEXT);
// No regex flags: the pattern is published in the OpenAPI document, where `/i` would make it match nothing.
const DomainNameSchema = z
  .string()
  .max(253, { message: 'expected a domain name' })
  .regex(/^([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z]{2,}$/, { message: 'expected a domain name' });
const EndDate = IsoDateSchema.nullable().optional();

export const ACCREDITATIONS = ['technical-professional', 'business-professional'] as const;
export const CERTIFICATION_LEVELS = ['foundational', 'associate', 'professional', 'specialty'] as const;
/** R-FOUND: the only foundational certification (FAQ 17). */
export const FOUNDATIONAL_CERTIFICATION = 'cloud-practitioner';

function endNotBeforeStart(start: string, end: string | null | undefined): boolean {
  return end === null || end === undefined || end >= start;
}

const AccreditationSchema = z.object({
  type: z.literal('accreditation'),
  name: z.enum(ACCREDITATIONS),
  earnedOn: IsoDateSchema,
  expiresOn: EndDate,
});

const CertificationSchema = z
  .object({
    type: z.literal('certification'),
    name: NonEmpty,
    level: z.enum(CERTIFICATION_LEVELS),
    earnedOn: IsoDateSchema,
    expiresOn: EndDate,
  })
  .superRefine((c, ctx) => {
    if (c.level === 'foundational' && c.name !== FOUNDATIONAL_CERTIFICATION) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `the only foundational certification is ${FOUNDATIONAL_CERTIFICATION} (FAQ 17)`,
      });
    }
    if (c.name === FOUNDATIONAL_CERTIFICATION && c.level !== 'foundational') {
      ctx.addIssue({ code: 'custom', path: ['level'], message: `${FOUNDATIONAL_CERTIFICATION} is foundational level` });
    }
  });

export const CredentialSchema = z
  .discriminatedUnion('type', [AccreditationSchema, CertificationSchema], {
    error: 'credential type must be accreditation or certification',
  })
  .refine((c) => endNotBeforeStart(c.earnedOn, c.expiresOn), {
    message: 'expiresOn is before earnedOn',
    path: ['expiresOn'],
  });

export const IndividualSchema = z
  .object({
    id: IdSchema,
    registeredOn: IsoDateSchema,
    leftOn: EndDate,
    credentials: z.array(CredentialSchema).max(500).default([]),
  })
  .refine((p) => endNotBeforeStart(p.registeredOn, p.leftOn), {
    message: 'leftOn is before registeredOn',
    path: ['leftOn'],
  });

export const OPPORTUNITY_STATUSES = ['submitted', 'approved', 'launched', 'closed-lost'] as const;
export const OPPORTUNITY_SOURCES = ['partner', 'aws-referred', 'aws-tagged', 'marketplace'] as const;

export const OpportunitySchema = z
  .object({
    id: IdSchema,
    status: z.enum(OPPORTUNITY_STATUSES),
    launchedOn: IsoDateSchema.nullable().optional(),
    estimatedMrr: MoneySchema,
    source: z.enum(OPPORTUNITY_SOURCES),
  })
  .refine((o) => o.status !== 'launched' || (o.launchedOn !== null && o.launchedOn !== undefined), {
    message: 'a launched opportunity needs launchedOn',
    path: ['launchedOn'],
  });

export const LegacyRevenueSubmissionSchema = z.object({ accountId: AccountIdSchema, submittedOn: IsoDateSchema });

export const REVENUE_KINDS = ['usage', 'reserved-instance', 'other-upfront', 'channel-resale'] as const;

export const CreditSchema = z.object({ type: NonEmpty, amount: MoneySchema });

export const DirectRevenueSchema = z.object({
  accountId: AccountIdSchema,
  domain: DomainNameSchema,
  month: IsoMonthSchema,
  billed: MoneySchema,
  kind: z.enum(REVENUE_KINDS),
  credits: z.array(CreditSchema).max(500).default([]),
});

export const PRODUCT_STATUSES = ['GA', 'beta', 'retired'] as const;

export const ProductListingSchema = z
  .object({
    id: IdSchema,
    name: Text.optional(),
    status: z.enum(PRODUCT_STATUSES),
    listedOn: IsoDateSchema,
    expiresOn: EndDate,
  })
  .refine((p) => endNotBeforeStart(p.listedOn, p.expiresOn), {
    message: 'expiresOn is before listedOn',
    path: ['expiresOn'],
  });

export const BusinessPlanSchema = z.object({ signedOffOn: IsoDateSchema, signedOffBy: NonEmpty });

export const VALIDATION_PROGRAMS = ['competency', 'msp', 'well-architected', 'technical-baseline-review'] as const;

export const ValidationSchema = z
  .object({
    program: z.enum(VALIDATION_PROGRAMS),
    name: Text.nullable().optional(),
    achievedOn: IsoDateSchema,
    expiresOn: EndDate,
  })
  .superRefine((v, ctx) => {
    if (v.program === 'competency' && !v.name?.trim()) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a competency validation needs the competency name' });
    }
    if (!endNotBeforeStart(v.achievedOn, v.expiresOn)) {
      ctx.addIssue({ code: 'custom', path: ['expiresOn'], message: 'expiresOn is before achievedOn' });
    }
  });

export const REFERENCE_SOURCES = ['ace-opportunity', 'public-reference-tool', 'legacy'] as const;
export const REFERENCE_STATUSES = ['pending', 'approved', 'rejected'] as const;

export const ReferenceSchema = z
  .object({
    id: IdSchema,
    customer: NonEmpty,
    public: z.boolean(),
    source: z.enum(REFERENCE_SOURCES),
    designatedOn: IsoDateSchema,
    /** Weekly approval date of a Public Reference tool entry (FAQ 50); defaults to designatedOn. */
    approvedOn: IsoDateSchema.nullable().optional(),
    status: z.enum(REFERENCE_STATUSES),
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL to a public asset' })
      .max(2000, { message: 'URL longer than 2,000 characters' })
      .nullable()
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.source === 'public-reference-tool' && !r.url) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'a Public Reference tool entry needs a URL to a public asset (FAQ 49)',
      });
    }
    if (r.approvedOn && r.approvedOn < r.designatedOn) {
      ctx.addIssue({ code: 'custom', path: ['approvedOn'], message: 'approvedOn is before designatedOn' });
    }
  });

export const CSAT_ORIGIN = 'rate-this-partner';

export const CsatResponseSchema = z.object({
  id: IdSchema,
  customer: NonEmpty,
  submittedOn: IsoDateSchema,
  origin: z.literal(CSAT_ORIGIN, {
    error:
      "only responses from the partner's Rate this Partner form count; third-party survey data is refused (FAQ 60)",
  }),
  emailConfirmed: z.boolean(),
  awsCustomerVerified: z.boolean(),
});

// The list fields, without defaults, shared by the whole and the partial document.
const listFields = {
  domains: z.array(DomainNameSchema).max(MAX_ITEMS),
  individuals: z.array(IndividualSchema).max(MAX_ITEMS),
  opportunities: z.array(OpportunitySchema).max(MAX_ITEMS),
  legacyRevenueSubmissions: z.array(LegacyRevenueSubmissionSchema).max(MAX_ITEMS),
  directRevenue: z.array(DirectRevenueSchema).max(MAX_ITEMS),
  productListings: z.array(ProductListingSchema).max(MAX_ITEMS),
  validations: z.array(ValidationSchema).max(MAX_ITEMS),
  references: z.array(ReferenceSchema).max(MAX_ITEMS),
  csatResponses: z.array(CsatResponseSchema).max(MAX_ITEMS),
};

type Keyed = Partial<Record<keyof typeof listFields, readonly unknown[]>> & { track?: string; tier?: string };

const UNIQUE_KEYS: readonly [keyof typeof listFields, string][] = [
  ['individuals', 'id'],
  ['opportunities', 'id'],
  ['productListings', 'id'],
  ['references', 'id'],
  ['csatResponses', 'id'],
  ['legacyRevenueSubmissions', 'accountId'],
];

// Cross-list checks run even when items fail, so one pass reports every problem.
function alwaysOnObjects(payload: { value: unknown }): boolean {
  return typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value);
}

function crossChecks(doc: Keyed, ctx: z.RefinementCtx<object>): void {
  for (const [list, key] of UNIQUE_KEYS) {
    const seen = new Map<string, number>();
    const items = doc[list];
    if (!Array.isArray(items)) continue;
    items.forEach((item, index) => {
      const value = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined;
      if (typeof value !== 'string') return;
      const first = seen.get(value);
      if (first === undefined) seen.set(value, index);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [list, index, key],
          message: `duplicate ${key} '${value}' (first at ${list}[${first}])`,
        });
      }
    });
  }
  if (doc.track === 'technology' && doc.tier === 'premier') {
    ctx.addIssue({ code: 'custom', path: ['tier'], message: 'premier exists for consulting partners only' });
  }
}

/** The evidence document, CONTRACT §1. Lists default to empty; `businessPlan` to null. */
export const PartnerEvidenceSchema = z
  .object({
    track: TrackSchema,
    /** Optional current tier; when given the scorecard also says whether the partner complies with it. */
    tier: TierInputSchema.optional(),
    domains: listFields.domains.default([]),
    individuals: listFields.individuals.default([]),
    opportunities: listFields.opportunities.default([]),
    legacyRevenueSubmissions: listFields.legacyRevenueSubmissions.default([]),
    directRevenue: listFields.directRevenue.default([]),
    productListings: listFields.productListings.default([]),
    businessPlan: BusinessPlanSchema.nullable().default(null),
    validations: listFields.validations.default([]),
    references: listFields.references.default([]),
    csatResponses: listFields.csatResponses.default([]),
  })
  .superRefine((doc, ctx) => crossChecks(doc, ctx), { when: alwaysOnObjects })
  .meta({ id: 'PartnerEvidence' });

/** Part of an evidence document: each top-level field it names replaces the whole field (CONTRACT §3). */
export const PartialEvidenceSchema = z
  .object({
    track: TrackSchema,
    tier: TierInputSchema,
    ...listFields,
    businessPlan: BusinessPlanSchema.nullable(),
  })
  .partial()
  .superRefine((doc, ctx) => crossChecks(doc, ctx), { when: alwaysOnObjects });

export type PartnerEvidence = z.output<typeof PartnerEvidenceSchema>;
export type PartnerEvidenceInput = z.input<typeof PartnerEvidenceSchema>;
export type PartialEvidence = z.output<typeof PartialEvidenceSchema>;
export type Individual = z.output<typeof IndividualSchema>;
export type Credential = z.output<typeof CredentialSchema>;
export type Opportunity = z.output<typeof OpportunitySchema>;
export type LegacyRevenueSubmission = z.output<typeof LegacyRevenueSubmissionSchema>;
export type DirectRevenue = z.output<typeof DirectRevenueSchema>;
export type ProductListing = z.output<typeof ProductListingSchema>;
export type BusinessPlan = z.output<typeof BusinessPlanSchema>;
export type Validation = z.output<typeof ValidationSchema>;
export type Reference = z.output<typeof ReferenceSchema>;
export type CsatResponse = z.output<typeof CsatResponseSchema>;

/** One refusal: where (`individuals[0].credentials[1].earnedOn`) and why. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** Renders a zod path as `a.b[0].c`; the document itself is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Flattens a zod error into path-qualified issues. */
export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** Validates any input against a schema and returns every problem, never throwing. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.output<S>> {
  const r = schema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: toIssues(r.error) };
}

/** Validates an evidence document (CONTRACT §1). */
export function parseEvidence(input: unknown): ParseResult<PartnerEvidence> {
  return parseWith(PartnerEvidenceSchema, input);
}

/**
 * A stored evidence version, parsed: documents are validated before they are stored, so one that no longer validates
 * (a schema change without its migration) is an `InvalidEvidence` error naming every issue, never a silent default.
 */
export function parseStoredEvidence(stored: {
  partnerId: string;
  version: number;
  document: unknown;
}): PartnerEvidence {
  const parsed = parseEvidence(stored.document);
  if (parsed.ok) return parsed.value;
  const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new EngineError(
    ErrorType.InvalidEvidence,
    `stored evidence v${stored.version} of '${stored.partnerId}' no longer validates: ${issues}`,
  );
}

/** Validates a partial evidence document (scenario `set`). */
export function parsePartialEvidence(input: unknown): ParseResult<PartialEvidence> {
  return parseWith(PartialEvidenceSchema, input);
}

/** An empty evidence document for a track. */
export function emptyEvidence(track: PartnerEvidence['track']): PartnerEvidence {
  return PartnerEvidenceSchema.parse({ track });
}

/** `base` with every top-level field named by `partial` replaced whole (lists are not merged item by item). */
export function mergeEvidence(base: PartnerEvidence, partial: PartialEvidence): PartnerEvidence {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged as PartnerEvidence;
}
