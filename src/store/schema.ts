/**
 * The one schema of the system of record (PostgreSQL dialect; PGlite is the same engine in WASM).
 * Migrations in `drizzle/` are generated from this file: `npx drizzle-kit generate --name <why>`.
 * Business dates are `date` columns written by the caller (simulated time); only `created_at` uses the DB clock.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  json,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow();
const money = (name: string) => numeric(name, { precision: 14, scale: 2, mode: 'number' });

export const partners = pgTable(
  'partners',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    track: text('track').notNull(),
    tier: text('tier').notNull(),
    renewalDate: text('renewal_date').notNull(),
    country: text('country').notNull(),
    feeAccountId: text('fee_account_id'),
    allianceLeadId: text('alliance_lead_id').notNull(),
    partnerManagerIds: text('partner_manager_ids')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    // The Alliance Team users the registration names; null when it names none (then any alliance-team token of the
    // partner is taken).
    allianceTeamIds: text('alliance_team_ids').array(),
    atRisk: boolean('at_risk').notNull().default(false),
    lifecycleStage: text('lifecycle_stage').notNull().default('active'),
    nextEbrWindow: text('next_ebr_window'),
    evidenceVersion: integer('evidence_version').notNull().default(0),
    // The registration request as first received: re-registration is compared with it, not with the live row
    // (whose tier and status the lifecycle changes).
    registration: jsonb('registration').notNull(),
    // Per-partner counters for readable ids (`<partnerId>/application/<n>`, `<partnerId>/case/<n>`); bumped under
    // the partner row lock, so concurrent writers never pick the same n.
    applicationSeq: integer('application_seq').notNull().default(0),
    caseSeq: integer('case_seq').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    check('partners_track_ck', sql`${t.track} in ('consulting', 'technology')`),
    check('partners_tier_ck', sql`${t.tier} in ('registered', 'select', 'advanced', 'premier')`),
    check('partners_renewal_date_ck', sql`${t.renewalDate} ~ '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'`),
    check('partners_country_ck', sql`${t.country} ~ '^[A-Z]{2}$'`),
    check('partners_fee_account_ck', sql`${t.feeAccountId} is null or ${t.feeAccountId} ~ '^[0-9]{12}$'`),
    index('partners_tier_idx').on(t.tier),
    index('partners_renewal_idx').on(t.renewalDate),
    index('partners_ebr_idx').on(t.nextEbrWindow),
    index('partners_managers_idx').using('gin', t.partnerManagerIds),
  ],
);

export const evidenceVersions = pgTable(
  'evidence_versions',
  {
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    version: integer('version').notNull(),
    document: jsonb('document').notNull(),
    recordedOn: date('recorded_on', { mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.partnerId, t.version] })],
);

export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    membershipYear: integer('membership_year').notNull(),
    reason: text('reason').notNull(),
    amount: money('amount').notNull(),
    vatAmount: money('vat_amount').notNull().default(0),
    currency: text('currency').notNull().default('USD'),
    payerAccountId: text('payer_account_id').notNull(),
    /** The partner's fee account the invoice is for; the payer differs when it belongs to an organization. */
    feeAccountId: text('fee_account_id'),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    status: text('status').notNull().default('open'),
    paidOn: date('paid_on', { mode: 'string' }),
    paidVia: text('paid_via'),
    voidedOn: date('voided_on', { mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [
    check('invoices_reason_ck', sql`${t.reason} in ('renewal', 'upgrade')`),
    check('invoices_status_ck', sql`${t.status} in ('open', 'paid', 'voided')`),
    check('invoices_paid_via_ck', sql`${t.paidVia} is null or ${t.paidVia} in ('payment', 'advance-pay')`),
    check('invoices_currency_ck', sql`${t.currency} = 'USD'`),
    check('invoices_amounts_ck', sql`${t.amount} >= 0 and ${t.vatAmount} >= 0`),
    check(
      'invoices_accounts_ck',
      sql`${t.payerAccountId} ~ '^[0-9]{12}$' and (${t.feeAccountId} is null or ${t.feeAccountId} ~ '^[0-9]{12}$')`,
    ),
    // R-FEE: one live fee invoice per partner and membership year. Voided invoices step aside so a partner that
    // re-applies in the same year (after a fee-unpaid downgrade) can be invoiced again.
    uniqueIndex('invoices_partner_year_live_uq')
      .on(t.partnerId, t.membershipYear)
      .where(sql`${t.status} <> 'voided'`),
  ],
);

export const cases = pgTable(
  'cases',
  {
    id: text('id').primaryKey(),
    key: text('key').notNull().unique('cases_key_uq'),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    kind: text('kind').notNull(),
    reason: text('reason').notNull(),
    openedOn: date('opened_on', { mode: 'string' }).notNull(),
    targetTier: text('target_tier').notNull(),
    status: text('status').notNull().default('open'),
    outcome: text('outcome'),
    closedOn: date('closed_on', { mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [
    check('cases_kind_ck', sql`${t.kind} in ('downgrade', 'cancellation')`),
    check('cases_reason_ck', sql`${t.reason} in ('fee-unpaid', 'non-compliant', 'cancellation-requested')`),
    check('cases_status_ck', sql`${t.status} in ('open', 'closed')`),
    check('cases_target_tier_ck', sql`${t.targetTier} in ('registered', 'select', 'advanced', 'premier')`),
    index('cases_partner_idx').on(t.partnerId),
  ],
);

export const auditRecords = pgTable(
  'audit_records',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    key: text('key').notNull().unique('audit_records_key_uq'),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    fromTier: text('from_tier').notNull(),
    toTier: text('to_tier').notNull(),
    on: date('on', { mode: 'string' }).notNull(),
    reason: text('reason').notNull(),
    by: text('by').notNull(),
    caseId: text('case_id').references(() => cases.id),
    createdAt: createdAt(),
  },
  (t) => [index('audit_records_partner_idx').on(t.partnerId, t.seq)],
);

export const applications = pgTable(
  'applications',
  {
    id: text('id').primaryKey(),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    seq: integer('seq').notNull(),
    key: text('key').unique('applications_key_uq'),
    targetTier: text('target_tier').notNull(),
    feeAccountId: text('fee_account_id').notNull(),
    submittedOn: date('submitted_on', { mode: 'string' }).notNull(),
    submittedBy: text('submitted_by').notNull(),
    status: text('status').notNull().default('submitted'),
    gaps: jsonb('gaps'),
    decidedOn: date('decided_on', { mode: 'string' }),
    ebrWindow: text('ebr_window'),
    history: jsonb('history')
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'applications_status_ck',
      sql`${t.status} in ('submitted', 'in-progress', 'approved', 'rejected', 'withdrawn', 'lapsed', 'ineligible')`,
    ),
    check('applications_target_tier_ck', sql`${t.targetTier} in ('select', 'advanced', 'premier')`),
    check('applications_fee_account_ck', sql`${t.feeAccountId} ~ '^[0-9]{12}$'`),
    uniqueIndex('applications_partner_seq_uq').on(t.partnerId, t.seq),
    // At most one open application per partner (API: a second one is a 409).
    uniqueIndex('applications_one_open_uq')
      .on(t.partnerId)
      .where(sql`${t.status} in ('submitted', 'in-progress')`),
    index('applications_ebr_idx').on(t.ebrWindow),
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    key: text('key').primaryKey(),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    kind: text('kind').notNull(),
    recipient: text('recipient').notNull(),
    payload: jsonb('payload').notNull(),
    on: date('on', { mode: 'string' }).notNull(),
    status: text('status').notNull().default('pending'),
    sentOn: date('sent_on', { mode: 'string' }),
    /** Delivery attempts so far (the outbox dispatcher, src/notifications). */
    attempts: integer('attempts').notNull().default(0),
    /**
     * When the dispatcher may next try: after a failure the backoff, while one dispatcher holds it the end of its
     * lease (a dispatcher that died between sending and marking gives it back when the lease runs out).
     */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }),
    lastError: text('last_error'),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    check('notifications_status_ck', sql`${t.status} in ('pending', 'sent', 'dead')`),
    check('notifications_attempts_ck', sql`${t.attempts} >= 0`),
    index('notifications_partner_idx').on(t.partnerId, t.on),
    index('notifications_pending_idx')
      .on(t.on)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/** The partner's timeline: what the lifecycle did, in order (apn simulate prints it; the API shows it). */
export const journal = pgTable(
  'journal',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    /** Idempotency key: a retried activity never writes an entry twice. */
    key: text('key').notNull(),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    on: date('on', { mode: 'string' }).notNull(),
    type: text('type').notNull(),
    data: jsonb('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('journal_key_uq').on(t.key), index('journal_partner_idx').on(t.partnerId, t.on, t.seq)],
);

export const organizations = pgTable(
  'organizations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    managementAccountId: text('management_account_id').notNull().unique('organizations_management_uq'),
    reseller: boolean('reseller').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [check('organizations_management_ck', sql`${t.managementAccountId} ~ '^[0-9]{12}$'`)],
);

export const organizationMembers = pgTable(
  'organization_members',
  {
    // An AWS account belongs to at most one organization.
    accountId: text('account_id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    joinedOn: date('joined_on', { mode: 'string' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [check('organization_members_account_ck', sql`${t.accountId} ~ '^[0-9]{12}$'`)],
);

export const invitations = pgTable(
  'invitations',
  {
    id: serial('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    accountId: text('account_id').notNull(),
    invitedOn: date('invited_on', { mode: 'string' }).notNull(),
    expiresOn: date('expires_on', { mode: 'string' }).notNull(),
    status: text('status').notNull().default('invited'),
    respondedOn: date('responded_on', { mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [
    check('invitations_status_ck', sql`${t.status} in ('invited', 'accepted', 'declined', 'expired')`),
    check('invitations_account_ck', sql`${t.accountId} ~ '^[0-9]{12}$'`),
    // One pending invitation per organization and account: inviting again returns it.
    uniqueIndex('invitations_pending_uq')
      .on(t.organizationId, t.accountId)
      .where(sql`${t.status} = 'invited'`),
  ],
);

export const advancePayAccounts = pgTable(
  'advance_pay_accounts',
  {
    payerAccountId: text('payer_account_id').primaryKey(),
    balance: money('balance').notNull().default(0),
    /** Business date the payer registered for Advance Pay (null: funded before registration was recorded). */
    registeredOn: date('registered_on', { mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [check('advance_pay_balance_ck', sql`${t.balance} >= 0`)],
);

/**
 * Funding documents (003): issued to a registered payer for an amount and a method; the transfer quotes the
 * reference, and the funding it brings is keyed by it, so a bank notification delivered twice funds once.
 */
export const advancePayFundingDocuments = pgTable(
  'advance_pay_funding_documents',
  {
    reference: text('reference').primaryKey(),
    payerAccountId: text('payer_account_id')
      .notNull()
      .references(() => advancePayAccounts.payerAccountId),
    amount: money('amount').notNull(),
    method: text('method').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    status: text('status').notNull().default('issued'),
    fundedOn: date('funded_on', { mode: 'string' }),
    fundedAmount: money('funded_amount'),
    createdAt: createdAt(),
  },
  (t) => [
    check('advance_pay_documents_method_ck', sql`${t.method} in ('us-bank-transfer', 'eft')`),
    check('advance_pay_documents_status_ck', sql`${t.status} in ('issued', 'funded')`),
    check('advance_pay_documents_amount_ck', sql`${t.amount} > 0`),
    index('advance_pay_documents_payer_idx').on(t.payerAccountId, t.issuedOn),
  ],
);

export const advancePayFundings = pgTable(
  'advance_pay_fundings',
  {
    key: text('key').primaryKey(),
    payerAccountId: text('payer_account_id')
      .notNull()
      .references(() => advancePayAccounts.payerAccountId),
    amount: money('amount').notNull(),
    method: text('method').notNull(),
    on: date('on', { mode: 'string' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check('advance_pay_fundings_method_ck', sql`${t.method} in ('us-bank-transfer', 'eft')`),
    check('advance_pay_fundings_amount_ck', sql`${t.amount} > 0`),
    index('advance_pay_fundings_payer_idx').on(t.payerAccountId, t.on),
  ],
);

export const advancePayApplications = pgTable('advance_pay_applications', {
  // One debit per invoice, ever: the primary key is what makes applyAdvancePay idempotent.
  invoiceId: text('invoice_id')
    .primaryKey()
    .references(() => invoices.id),
  payerAccountId: text('payer_account_id')
    .notNull()
    .references(() => advancePayAccounts.payerAccountId),
  amount: money('amount').notNull(),
  on: date('on', { mode: 'string' }).notNull(),
  createdAt: createdAt(),
});

/**
 * Fee payments (R-PAID, 000): recorded against one invoice by its payer account with a method, pending until the bank
 * processes them (succeeded or failed); `advance-pay` ones are applied by the engine, `offline` ones recorded by a
 * Partner Manager. Money in integer cents. `settled_on`: the partner's lifecycle took the payment (its fee is paid).
 */
export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    payerAccountId: text('payer_account_id').notNull(),
    method: text('method').notNull(),
    amountCents: integer('amount_cents').notNull(),
    status: text('status').notNull().default('pending'),
    /** What the payment quotes: a funding document for Advance Pay, the bank's reference, or the recorder's. */
    reference: text('reference'),
    recordedBy: text('recorded_by').notNull(),
    recordedOn: date('recorded_on', { mode: 'string' }).notNull(),
    processedOn: date('processed_on', { mode: 'string' }),
    failureReason: text('failure_reason'),
    settledOn: date('settled_on', { mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [
    check('payments_status_ck', sql`${t.status} in ('pending', 'succeeded', 'failed')`),
    check('payments_amount_ck', sql`${t.amountCents} > 0`),
    check('payments_payer_ck', sql`${t.payerAccountId} ~ '^[0-9]{12}$'`),
    // An invoice is paid once: at most one payment per invoice is pending or succeeded at any time.
    uniqueIndex('payments_invoice_active_uq')
      .on(t.invoiceId)
      .where(sql`${t.status} in ('pending', 'succeeded')`),
    index('payments_partner_idx').on(t.partnerId, t.recordedOn),
    index('payments_payer_idx').on(t.payerAccountId, t.recordedOn),
  ],
);

/** The payment methods a payer account may use (R-PAID); a payer without a row has the domain's default list. */
export const payerPaymentMethods = pgTable('payer_payment_methods', {
  payerAccountId: text('payer_account_id').primaryKey(),
  methods: text('methods').array().notNull(),
  createdAt: createdAt(),
});

export const apiIdempotency = pgTable(
  'api_idempotency',
  {
    callerId: text('caller_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    body: jsonb('body'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.callerId, t.key] })],
);

/**
 * The partner read model: the lifecycle workflow's visible state (its status query's answer) as last written by its
 * activity, so a partner read needs no workflow query. `revision` grows with every write of one workflow; an older
 * write arriving late (a retried activity) never replaces a newer one.
 */
export const partnerViews = pgTable(
  'partner_views',
  {
    partnerId: text('partner_id')
      .primaryKey()
      .references(() => partners.id),
    revision: integer('revision').notNull(),
    /** The business date the workflow saw when it wrote the view. */
    asOf: date('as_of', { mode: 'string' }).notNull(),
    // json, not jsonb: the view reads back exactly as the workflow wrote it, keys in its order.
    status: json('status').notNull(),
    /** Wall-clock time of the write (the database clock), for freshness. */
    writtenAt: timestamp('written_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [check('partner_views_revision_ck', sql`${t.revision} >= 0`)],
);

// ---- Reseller billing (R-RESELLER, 002): migration 0008 ----------------------------------------------------------
// A reseller organization enrolled by its APN partner, the usage its member accounts record per month, the monthly
// consolidated bill to the partner's management account, and the partner's invoice to each customer. Money in integer
// cents. Invitations are the `invitations` table above.

const cents = (name: string) => bigint(name, { mode: 'number' });

/** A reseller organization's consolidated billing: which APN partner runs it, its discount, the first month billed. */
export const resellerEnrolments = pgTable(
  'reseller_enrolments',
  {
    organizationId: text('organization_id')
      .primaryKey()
      .references(() => organizations.id),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    discountBasisPoints: integer('discount_basis_points').notNull().default(0),
    billingFrom: text('billing_from').notNull(),
    enrolledOn: date('enrolled_on', { mode: 'string' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check('reseller_enrolments_discount_ck', sql`${t.discountBasisPoints} between 0 and 10000`),
    check('reseller_enrolments_month_ck', sql`${t.billingFrom} ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`),
  ],
);

/** One member account's usage of one month, as AWS metered it (recorded by the billing feed), by service. */
export const usageRecords = pgTable(
  'usage_records',
  {
    accountId: text('account_id').notNull(),
    month: text('month').notNull(),
    /** The reseller organization the account belonged to when its usage was recorded: its bill takes it. */
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    items: jsonb('items').notNull(),
    totalCents: cents('total_cents').notNull(),
    recordedOn: date('recorded_on', { mode: 'string' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.month] }),
    check('usage_records_account_ck', sql`${t.accountId} ~ '^[0-9]{12}$'`),
    check('usage_records_month_ck', sql`${t.month} ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`),
    check('usage_records_total_ck', sql`${t.totalCents} >= 0`),
    index('usage_records_org_month_idx').on(t.organizationId, t.month),
  ],
);

/** The month's consolidated bill AWS issues the partner's management account; once per organization and month. */
export const consolidatedBills = pgTable(
  'consolidated_bills',
  {
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    month: text('month').notNull(),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    payerAccountId: text('payer_account_id').notNull(),
    usageCents: cents('usage_cents').notNull(),
    discountCents: cents('discount_cents').notNull(),
    totalCents: cents('total_cents').notNull(),
    /** Every member account's usage and share of the total. */
    lines: jsonb('lines').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    status: text('status').notNull().default('issued'),
    paidOn: date('paid_on', { mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.month] }),
    check('consolidated_bills_status_ck', sql`${t.status} in ('issued', 'paid')`),
    check('consolidated_bills_total_ck', sql`${t.totalCents} = ${t.usageCents} - ${t.discountCents}`),
  ],
);

/** The partner's invoice to one customer account: its share of a paid consolidated bill. */
export const resellerInvoices = pgTable(
  'reseller_invoices',
  {
    organizationId: text('organization_id').notNull(),
    month: text('month').notNull(),
    accountId: text('account_id').notNull(),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    usageCents: cents('usage_cents').notNull(),
    amountCents: cents('amount_cents').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.month, t.accountId] }),
    foreignKey({
      name: 'reseller_invoices_bill_fk',
      columns: [t.organizationId, t.month],
      foreignColumns: [consolidatedBills.organizationId, consolidatedBills.month],
    }),
    check('reseller_invoices_amount_ck', sql`${t.amountCents} >= 0`),
    index('reseller_invoices_account_idx').on(t.accountId, t.month),
  ],
);

export const resellerSchema = { resellerEnrolments, usageRecords, consolidatedBills, resellerInvoices };
// ---- end of reseller billing ------------------------------------------------------------------------------------

/**
 * Bulk onboarding (`POST /v1/partners/import`): one job per uploaded file, one row per registration in it. Rows are
 * staged whole before the job runs, so a crash mid-way leaves the job's pending rows to be resumed; each row's
 * outcome (created, unchanged, updated, refused with its problem) is the job's per-row report.
 */
export const importJobs = pgTable(
  'import_jobs',
  {
    id: text('id').primaryKey(),
    /** `<role>:<sub>` of the caller who uploaded the file. */
    createdBy: text('created_by').notNull(),
    format: text('format').notNull(),
    /** `staging` while the upload is read, `running` until every row is settled, then `done`. */
    status: text('status').notNull(),
    total: integer('total').notNull().default(0),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [
    check('import_jobs_status_ck', sql`${t.status} in ('staging', 'running', 'done')`),
    index('import_jobs_status_idx').on(t.status),
  ],
);

export const importRows = pgTable(
  'import_rows',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => importJobs.id, { onDelete: 'cascade' }),
    /** 1-based number of the row in the file (data rows; a CSV header is not counted). */
    row: integer('row').notNull(),
    partnerId: text('partner_id').notNull(),
    registration: jsonb('registration').notNull(),
    evidence: jsonb('evidence'),
    /** `pending`, then `created`, `unchanged`, `updated` or `refused`. */
    status: text('status').notNull().default('pending'),
    /** For `refused`: the problem (`title`, `detail`, `errors`) the single registration would have answered. */
    problem: jsonb('problem'),
    settledAt: timestamp('settled_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.row] }),
    check('import_rows_status_ck', sql`${t.status} in ('pending', 'created', 'unchanged', 'updated', 'refused')`),
    index('import_rows_job_status_idx').on(t.jobId, t.status),
  ],
);

export const schema = {
  partners,
  evidenceVersions,
  invoices,
  cases,
  auditRecords,
  applications,
  notifications,
  organizations,
  organizationMembers,
  invitations,
  advancePayAccounts,
  advancePayFundings,
  advancePayFundingDocuments,
  advancePayApplications,
  payments,
  payerPaymentMethods,
  apiIdempotency,
  partnerViews,
  ...resellerSchema,
  importJobs,
  importRows,
};
export type Schema = typeof schema;
