/**
 * The system of record: partners, evidence, invoices, cases, audit, applications, the notifications outbox,
 * billing reference data (R-FEE, R-RESELLER, R-ADVANCE-PAY) and API idempotency keys, over PGlite or PostgreSQL.
 *
 * Every keyed write is idempotent: calling it again with the same key returns what the first call wrote
 * (`created: false` / `changed: false`) and writes nothing, so a retried Temporal activity is harmless.
 */
import { and, arrayContains, asc, eq, gt, inArray, like, ne, sql, type SQL } from 'drizzle-orm';
import { openConnection, pingConnection, type Db, type StoreConfig } from './connection';
import { addDays, assertIsoDate } from './dates';
import { PartnerViewRepository, type PartnerView, type PartnerViewInput } from './partner-views';
import { NotFoundError, sqlState, StoreConflictError, StoreValidationError, translateDbError } from './errors';
import { AdvancePayDocuments } from './advance-pay-documents';
import { BillingAccounts } from './billing-accounts';
import { OutboxDelivery } from './outbox-delivery';
import {
  advancePayAccounts,
  advancePayApplications,
  advancePayFundings,
  apiIdempotency,
  applications,
  auditRecords,
  cases,
  evidenceVersions,
  invitations,
  invoices,
  notifications,
  journal,
  organizationMembers,
  organizations,
  partners,
} from './schema';
import type {
  JournalEntry,
  JournalEntryInput,
  AdvancePayAccount,
  AdvancePayFunding,
  AdvancePayResult,
  Application,
  ApplicationPatch,
  ApplicationStatus,
  AuditRecord,
  Case,
  CaseStatus,
  CreateApplicationInput,
  CreateInvoiceInput,
  EnqueueNotificationInput,
  EvidenceRecord,
  FundingMethod,
  Invitation,
  Invoice,
  IsoDate,
  ListPartnersQuery,
  Notification,
  NotificationStatus,
  OpenCaseInput,
  Organization,
  OrganizationMember,
  Page,
  Partner,
  PartnerStatusPatch,
  RegisterPartnerInput,
  StoredResponse,
  TierChange,
} from './types';

/** Days an AWS Organizations invitation stays answerable (R-RESELLER). */
export const INVITATION_TTL_DAYS = 15;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

export interface Store {
  readonly driver: 'pglite' | 'postgres';
  /** Resolves when the database answers; rejects otherwise (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Partner read model (src/store/partner-views.ts): the lifecycle state the workflow last wrote
  /** Writes a partner's view unless a same or newer revision is stored; `applied` says whether it did. */
  putPartnerView(input: PartnerViewInput): Promise<{ view: PartnerView; applied: boolean }>;
  getPartnerView(partnerId: string): Promise<PartnerView | undefined>;

  // Partners
  registerPartner(input: RegisterPartnerInput): Promise<{ partner: Partner; created: boolean }>;
  /**
   * Removes a partner registered moments ago whose lifecycle could not start (the API's compensation), only while
   * nothing else refers to it; returns whether it was removed.
   */
  unregisterPartner(partnerId: string): Promise<boolean>;
  getPartner(partnerId: string): Promise<Partner | undefined>;
  /** The partners with these ids (unknown ids are left out), in one query. */
  getPartners(partnerIds: readonly string[]): Promise<Map<string, Partner>>;
  listPartners(query?: ListPartnersQuery): Promise<Page<Partner>>;
  updatePartnerStatus(partnerId: string, patch: PartnerStatusPatch): Promise<Partner>;
  /** Changes the tier and appends its audit record in one transaction, once per `change.key`. */
  updatePartnerTier(
    partnerId: string,
    change: TierChange,
  ): Promise<{ partner: Partner; audit: AuditRecord; changed: boolean }>;
  listAudit(partnerId: string): Promise<AuditRecord[]>;

  // Evidence
  /** Stores `document` as the partner's next evidence version; the same document as the current one is a no-op. */
  putEvidence<T>(
    partnerId: string,
    document: T,
    options?: { on?: IsoDate },
  ): Promise<{ version: number; created: boolean }>;
  /**
   * Reads the current document and stores `change(current)` as the next version in one transaction, so concurrent
   * item edits never lose each other. `change` may throw to refuse; nothing is written then.
   */
  changeEvidence<T>(
    partnerId: string,
    change: (current: T | undefined) => T,
    options?: { on?: IsoDate },
  ): Promise<{ version: number; created: boolean; document: T }>;
  /** The current evidence (or `version`); undefined when there is none. */
  getEvidence<T = unknown>(partnerId: string, version?: number): Promise<EvidenceRecord<T> | undefined>;
  listEvidenceVersions(partnerId: string): Promise<Omit<EvidenceRecord, 'document'>[]>;

  // Invoices (R-FEE, R-GRACE, R-PAID)
  /** One live invoice per partner and membership year: a retry returns the existing one (`created: false`). */
  createInvoice(input: CreateInvoiceInput): Promise<{ invoice: Invoice; created: boolean }>;
  getInvoice(invoiceId: string): Promise<Invoice | undefined>;
  listInvoices(partnerId: string): Promise<Invoice[]>;
  markInvoicePaid(
    invoiceId: string,
    payment: { on: IsoDate; via?: 'payment' | 'advance-pay' },
  ): Promise<{ invoice: Invoice; changed: boolean }>;
  /** Voids every open invoice of the partner (R-CANCEL); returns the invoices it voided. */
  voidOpenInvoices(partnerId: string, on: IsoDate): Promise<Invoice[]>;

  // Cases (R-CASE)
  openCase(input: OpenCaseInput): Promise<{ case: Case; created: boolean }>;
  closeCase(caseId: string, close: { on: IsoDate; outcome: string }): Promise<{ case: Case; changed: boolean }>;
  getCase(caseId: string): Promise<Case | undefined>;
  listCases(partnerId: string, filter?: { status?: CaseStatus }): Promise<Case[]>;

  // Upgrade applications (R-UPGRADE, R-PREMIER)
  createApplication(input: CreateApplicationInput): Promise<{ application: Application; created: boolean }>;
  getApplication(applicationId: string): Promise<Application | undefined>;
  listApplications(filter: {
    partnerId?: string;
    status?: ApplicationStatus;
    ebrWindow?: string;
  }): Promise<Application[]>;
  updateApplication(applicationId: string, patch: ApplicationPatch): Promise<Application>;

  // Journal (the partner's timeline)
  /** Appends entries in order; an entry whose key was already written is skipped. */
  appendJournal(partnerId: string, entries: JournalEntryInput[]): Promise<{ written: number }>;
  /** The partner's timeline in the order it was written. */
  listJournal(partnerId: string): Promise<JournalEntry[]>;

  // Notifications outbox
  enqueueNotification(input: EnqueueNotificationInput): Promise<{ notification: Notification; created: boolean }>;
  listNotifications(partnerId: string, filter?: { status?: NotificationStatus }): Promise<Notification[]>;
  listPendingNotifications(limit?: number): Promise<Notification[]>;
  markNotificationSent(key: string, on: IsoDate): Promise<{ notification: Notification; changed: boolean }>;
  /** Delivery of the outbox: claims, retries, dead letters (src/store/outbox-delivery.ts). */
  readonly outbox: OutboxDelivery;
  /** Organizations with their members and payer resolution (src/store/billing-accounts.ts). */
  readonly accounts: BillingAccounts;
  /** Advance Pay registration and funding documents (src/store/advance-pay-documents.ts). */
  readonly advancePay: AdvancePayDocuments;

  // Billing reference data: AWS Organizations (R-FEE, R-RESELLER)
  createOrganization(input: Organization & { on: IsoDate }): Promise<{ organization: Organization; created: boolean }>;
  addOrganizationMember(organizationId: string, accountId: string, on: IsoDate): Promise<OrganizationMember>;
  removeOrganizationMember(accountId: string): Promise<boolean>;
  getOrganizationOf(accountId: string): Promise<{ organization: Organization; member: OrganizationMember } | undefined>;
  /** The account an invoice for `accountId` goes to: its organization's management account, else itself. */
  resolvePayer(accountId: string): Promise<string>;
  inviteAccount(input: { organizationId: string; accountId: string; on: IsoDate }): Promise<Invitation>;
  /** Answers an invitation; one answered on or after `expiresOn` comes back `expired` and joins nothing. */
  respondToInvitation(invitationId: number, response: 'accepted' | 'declined', on: IsoDate): Promise<Invitation>;
  expireInvitations(on: IsoDate): Promise<Invitation[]>;
  listInvitations(filter: { organizationId?: string; accountId?: string }): Promise<Invitation[]>;

  // Advance Pay (R-ADVANCE-PAY)
  fundAdvancePay(input: {
    key: string;
    payerAccountId: string;
    amount: number;
    method: FundingMethod;
    on: IsoDate;
  }): Promise<AdvancePayAccount>;
  getAdvancePay(payerAccountId: string): Promise<AdvancePayAccount | undefined>;
  /**
   * Pays `invoiceId` from the payer's balance — only when the balance covers `amount` whole; debit and invoice
   * payment commit together, once per invoice.
   */
  applyAdvancePay(payerAccountId: string, invoiceId: string, amount: number, on: IsoDate): Promise<AdvancePayResult>;

  // API idempotency keys
  /** Stores the first response for (callerId, key) and returns the stored one (the first wins). */
  rememberResponse(
    callerId: string,
    key: string,
    requestHash: string,
    status: number,
    body: unknown,
  ): Promise<StoredResponse>;
  recallResponse(callerId: string, key: string): Promise<StoredResponse | undefined>;
  /**
   * Claims (callerId, key) for a request about to run. `claimed: false` returns what holds the key: a finished
   * response, or `status: 0` while another request with the key still runs. A claim older than `staleAfterMs` was
   * abandoned by a crashed process and is taken over.
   */
  claimIdempotencyKey(
    callerId: string,
    key: string,
    requestHash: string,
    staleAfterMs?: number,
  ): Promise<{ claimed: true } | { claimed: false; stored: StoredResponse }>;
  /** Records the answer of a claimed request; replays return it. */
  settleIdempotencyKey(callerId: string, key: string, status: number, body: unknown): Promise<void>;
  /** Frees a claimed key whose request failed for a server-side reason, so a retry runs again. */
  releaseIdempotencyKey(callerId: string, key: string): Promise<void>;
}

/** Opens (and migrates) the configured database and returns the store over it. */
export async function createStore(config: StoreConfig = {}): Promise<Store> {
  const connection = await openConnection(config);
  return new DrizzleStore(connection.driver, connection.db, () => connection.close());
}

type PartnerRow = typeof partners.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;
type CaseRow = typeof cases.$inferSelect;
type AuditRow = typeof auditRecords.$inferSelect;
type ApplicationRow = typeof applications.$inferSelect;
type NotificationRow = typeof notifications.$inferSelect;
type InvitationRow = typeof invitations.$inferSelect;

const toPartner = (r: PartnerRow): Partner => ({
  id: r.id,
  name: r.name,
  track: r.track as Partner['track'],
  tier: r.tier as Partner['tier'],
  renewalDate: r.renewalDate,
  country: r.country,
  feeAccountId: r.feeAccountId,
  allianceLeadId: r.allianceLeadId,
  allianceTeamIds: r.allianceTeamIds ? [...r.allianceTeamIds] : null,
  partnerManagerIds: [...r.partnerManagerIds],
  atRisk: r.atRisk,
  lifecycleStage: r.lifecycleStage,
  nextEbrWindow: r.nextEbrWindow,
  evidenceVersion: r.evidenceVersion,
  createdAt: r.createdAt,
});

const toInvoice = (r: InvoiceRow): Invoice => ({
  id: r.id,
  partnerId: r.partnerId,
  membershipYear: r.membershipYear,
  reason: r.reason as Invoice['reason'],
  amount: r.amount,
  vatAmount: r.vatAmount,
  currency: 'USD',
  payerAccountId: r.payerAccountId,
  feeAccountId: r.feeAccountId,
  issuedOn: r.issuedOn,
  dueOn: r.dueOn,
  status: r.status as Invoice['status'],
  paidOn: r.paidOn,
  paidVia: r.paidVia as Invoice['paidVia'],
  voidedOn: r.voidedOn,
});

const toCase = (r: CaseRow): Case => ({
  id: r.id,
  key: r.key,
  partnerId: r.partnerId,
  kind: r.kind as Case['kind'],
  reason: r.reason as Case['reason'],
  openedOn: r.openedOn,
  targetTier: r.targetTier as Case['targetTier'],
  status: r.status as Case['status'],
  outcome: r.outcome,
  closedOn: r.closedOn,
});

const toAudit = (r: AuditRow): AuditRecord => ({
  seq: r.seq,
  key: r.key,
  partnerId: r.partnerId,
  from: r.fromTier as AuditRecord['from'],
  to: r.toTier as AuditRecord['to'],
  on: r.on,
  reason: r.reason,
  by: r.by,
  caseId: r.caseId,
});

const toApplication = (r: ApplicationRow): Application => ({
  id: r.id,
  partnerId: r.partnerId,
  seq: r.seq,
  targetTier: r.targetTier as Application['targetTier'],
  feeAccountId: r.feeAccountId,
  submittedOn: r.submittedOn,
  submittedBy: r.submittedBy,
  status: r.status as ApplicationStatus,
  gaps: r.gaps ?? null,
  decidedOn: r.decidedOn,
  ebrWindow: r.ebrWindow,
  history: Array.isArray(r.history) ? [...(r.history as unknown[])] : [],
});

const toNotification = (r: NotificationRow): Notification => ({
  key: r.key,
  partnerId: r.partnerId,
  kind: r.kind,
  recipient: r.recipient,
  payload: r.payload,
  on: r.on,
  status: r.status as NotificationStatus,
  sentOn: r.sentOn,
});

const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  organizationId: r.organizationId,
  accountId: r.accountId,
  invitedOn: r.invitedOn,
  expiresOn: r.expiresOn,
  status: r.status as Invitation['status'],
  respondedOn: r.respondedOn,
});

const toOrganization = (r: typeof organizations.$inferSelect): Organization => ({
  id: r.id,
  name: r.name,
  managementAccountId: r.managementAccountId,
  reseller: r.reseller,
});

/** Canonical form of a registration, so the same request compares equal however it was spelled. */
function registrationOf(input: RegisterPartnerInput): Record<string, unknown> {
  return {
    id: input.id,
    name: input.name,
    track: input.track,
    tier: input.tier,
    renewalDate: input.renewalDate,
    country: input.country,
    feeAccountId: input.feeAccountId ?? null,
    allianceLeadId: input.allianceLeadId,
    partnerManagerIds: [...new Set(input.partnerManagerIds ?? [])].sort(),
    // Only when named: registrations stored before the field existed compare equal to the same request again.
    ...(input.allianceTeamIds ? { allianceTeamIds: [...new Set(input.allianceTeamIds)].sort() } : {}),
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

const jsonb = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ after: id }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the validation error
  }
  throw new StoreValidationError('invalid pagination cursor');
}

function assertMoney(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || Math.round(value * 100) !== Number((value * 100).toFixed(6))) {
    throw new StoreValidationError(`${name} must be a non-negative amount with at most 2 decimals (got ${value})`);
  }
}

class DrizzleStore implements Store {
  private readonly views: PartnerViewRepository;
  readonly outbox: OutboxDelivery;
  readonly accounts: BillingAccounts;
  readonly advancePay: AdvancePayDocuments;

  constructor(
    readonly driver: 'pglite' | 'postgres',
    private readonly db: Db,
    private readonly closeConnection: () => Promise<void>,
  ) {
    this.views = new PartnerViewRepository(db);
    this.outbox = new OutboxDelivery(db);
    this.accounts = new BillingAccounts(db);
    this.advancePay = new AdvancePayDocuments(
      db,
      (input) => this.fundAdvancePay(input),
      (payer) => this.getAdvancePay(payer),
    );
  }

  putPartnerView(input: PartnerViewInput): Promise<{ view: PartnerView; applied: boolean }> {
    return this.views.put(input);
  }

  getPartnerView(partnerId: string): Promise<PartnerView | undefined> {
    return this.views.get(partnerId);
  }

  async ping(): Promise<void> {
    await pingConnection(this.db);
  }

  async close(): Promise<void> {
    await this.closeConnection();
  }

  /** Runs `fn`, turning constraint violations into named store errors. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      translateDbError(error);
    }
  }

  // ---------------------------------------------------------------- partners

  async registerPartner(input: RegisterPartnerInput): Promise<{ partner: Partner; created: boolean }> {
    return this.run(async () => {
      const registration = registrationOf(input);
      const inserted = await this.db
        .insert(partners)
        .values({
          id: input.id,
          name: input.name,
          track: input.track,
          tier: input.tier,
          renewalDate: input.renewalDate,
          country: input.country,
          feeAccountId: input.feeAccountId ?? null,
          allianceLeadId: input.allianceLeadId,
          allianceTeamIds: (registration.allianceTeamIds as string[] | undefined) ?? null,
          partnerManagerIds: registration.partnerManagerIds as string[],
          registration,
        })
        .onConflictDoNothing({ target: partners.id })
        .returning();
      if (inserted[0]) return { partner: toPartner(inserted[0]), created: true };
      const [existing] = await this.db.select().from(partners).where(eq(partners.id, input.id));
      if (!existing) throw new Error(`partner ${input.id} vanished during registration`);
      if (!sameJson(existing.registration, registration)) {
        throw new StoreConflictError(
          'partner-exists',
          `partner ${input.id} is already registered with different data`,
          { partnerId: input.id },
        );
      }
      return { partner: toPartner(existing), created: false };
    });
  }

  async unregisterPartner(partnerId: string): Promise<boolean> {
    try {
      const removed = await this.db
        .delete(partners)
        .where(and(eq(partners.id, partnerId), eq(partners.evidenceVersion, 0)))
        .returning({ id: partners.id });
      return removed.length > 0;
    } catch (error) {
      if (sqlState(error) === '23503') return false; // something refers to it already: keep it
      throw error;
    }
  }

  async getPartner(partnerId: string): Promise<Partner | undefined> {
    const [row] = await this.db.select().from(partners).where(eq(partners.id, partnerId));
    return row && toPartner(row);
  }

  async getPartners(partnerIds: readonly string[]): Promise<Map<string, Partner>> {
    if (partnerIds.length === 0) return new Map();
    const rows = await this.db
      .select()
      .from(partners)
      .where(inArray(partners.id, [...new Set(partnerIds)]));
    return new Map(rows.map((r) => [r.id, toPartner(r)]));
  }

  async listPartners(query: ListPartnersQuery = {}): Promise<Page<Partner>> {
    return this.run(async () => {
      const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
      const conditions: SQL[] = [];
      if (query.tier) conditions.push(eq(partners.tier, query.tier));
      if (query.track) conditions.push(eq(partners.track, query.track));
      if (query.atRisk !== undefined) conditions.push(eq(partners.atRisk, query.atRisk));
      if (query.renewalMonth) {
        if (!/^(0[1-9]|1[0-2])$/.test(query.renewalMonth)) {
          throw new StoreValidationError(`renewalMonth must be MM (got ${query.renewalMonth})`);
        }
        conditions.push(like(partners.renewalDate, `${query.renewalMonth}-%`));
      }
      if (query.ebrWindow) conditions.push(eq(partners.nextEbrWindow, query.ebrWindow));
      if (query.partnerManagerId) conditions.push(arrayContains(partners.partnerManagerIds, [query.partnerManagerId]));
      if (query.cursor) conditions.push(gt(partners.id, decodeCursor(query.cursor)));
      // Keyset pagination on the primary key: stable under concurrent inserts, no skipped or repeated rows.
      const rows = await this.db
        .select()
        .from(partners)
        .where(and(...conditions))
        .orderBy(asc(partners.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit).map(toPartner);
      const last = items[items.length - 1];
      return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
    });
  }

  async updatePartnerStatus(partnerId: string, patch: PartnerStatusPatch): Promise<Partner> {
    return this.run(async () => {
      const set: Partial<typeof partners.$inferInsert> = {};
      if (patch.atRisk !== undefined) set.atRisk = patch.atRisk;
      if (patch.lifecycleStage !== undefined) set.lifecycleStage = patch.lifecycleStage;
      if (patch.nextEbrWindow !== undefined) set.nextEbrWindow = patch.nextEbrWindow;
      if (patch.feeAccountId !== undefined) set.feeAccountId = patch.feeAccountId;
      if (patch.partnerManagerIds !== undefined) set.partnerManagerIds = [...new Set(patch.partnerManagerIds)].sort();
      const rows =
        Object.keys(set).length > 0
          ? await this.db.update(partners).set(set).where(eq(partners.id, partnerId)).returning()
          : await this.db.select().from(partners).where(eq(partners.id, partnerId));
      if (!rows[0]) throw new NotFoundError('partner', partnerId);
      return toPartner(rows[0]);
    });
  }

  async updatePartnerTier(
    partnerId: string,
    change: TierChange,
  ): Promise<{ partner: Partner; audit: AuditRecord; changed: boolean }> {
    assertIsoDate('on', change.on);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        // The partner row lock serialises tier changes of one partner, retries included.
        const [partner] = await tx.select().from(partners).where(eq(partners.id, partnerId)).for('update');
        if (!partner) throw new NotFoundError('partner', partnerId);
        const [previous] = await tx.select().from(auditRecords).where(eq(auditRecords.key, change.key));
        if (previous) {
          if (previous.partnerId !== partnerId || previous.toTier !== change.to) {
            throw new StoreConflictError(
              'audit-key-reused',
              `tier change key ${change.key} was used for another change`,
            );
          }
          return { partner: toPartner(partner), audit: toAudit(previous), changed: false };
        }
        const [audit] = await tx
          .insert(auditRecords)
          .values({
            key: change.key,
            partnerId,
            fromTier: partner.tier,
            toTier: change.to,
            on: change.on,
            reason: change.reason,
            by: change.by,
            caseId: change.caseId ?? null,
          })
          .returning();
        const [updated] = await tx
          .update(partners)
          .set({ tier: change.to })
          .where(eq(partners.id, partnerId))
          .returning();
        if (!audit || !updated) throw new Error('tier change wrote nothing');
        return { partner: toPartner(updated), audit: toAudit(audit), changed: true };
      }),
    );
  }

  async listAudit(partnerId: string): Promise<AuditRecord[]> {
    const rows = await this.db
      .select()
      .from(auditRecords)
      .where(eq(auditRecords.partnerId, partnerId))
      .orderBy(asc(auditRecords.seq));
    return rows.map(toAudit);
  }

  // ---------------------------------------------------------------- evidence

  async putEvidence<T>(
    partnerId: string,
    document: T,
    options: { on?: IsoDate } = {},
  ): Promise<{ version: number; created: boolean }> {
    // A re-sent document (same content, any key order) is not a new version.
    const { version, created } = await this.changeEvidence<T>(partnerId, () => document, options);
    return { version, created };
  }

  async changeEvidence<T>(
    partnerId: string,
    change: (current: T | undefined) => T,
    options: { on?: IsoDate } = {},
  ): Promise<{ version: number; created: boolean; document: T }> {
    if (options.on !== undefined) assertIsoDate('on', options.on);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const [partner] = await tx
          .select({ version: partners.evidenceVersion })
          .from(partners)
          .where(eq(partners.id, partnerId))
          .for('update');
        if (!partner) throw new NotFoundError('partner', partnerId);
        const [current] =
          partner.version > 0
            ? await tx
                .select({ document: evidenceVersions.document })
                .from(evidenceVersions)
                .where(and(eq(evidenceVersions.partnerId, partnerId), eq(evidenceVersions.version, partner.version)))
            : [];
        // Snapshot first: `change` may edit the document it is handed in place and return it.
        const before = current ? JSON.stringify(canonical(current.document)) : undefined;
        const document = change(current?.document as T | undefined);
        if (before !== undefined && before === JSON.stringify(canonical(document))) {
          return { version: partner.version, created: false, document };
        }
        const version = partner.version + 1;
        await tx.insert(evidenceVersions).values({
          partnerId,
          version,
          document: sql`${jsonb(document)}`,
          recordedOn: options.on ?? null,
        });
        await tx.update(partners).set({ evidenceVersion: version }).where(eq(partners.id, partnerId));
        return { version, created: true, document };
      }),
    );
  }

  async getEvidence<T = unknown>(partnerId: string, version?: number): Promise<EvidenceRecord<T> | undefined> {
    const versionCondition =
      version === undefined
        ? sql`${evidenceVersions.version} = (select ${partners.evidenceVersion} from ${partners} where ${partners.id} = ${partnerId})`
        : eq(evidenceVersions.version, version);
    const [row] = await this.db
      .select()
      .from(evidenceVersions)
      .where(and(eq(evidenceVersions.partnerId, partnerId), versionCondition));
    return (
      row && {
        partnerId: row.partnerId,
        version: row.version,
        document: row.document as T,
        recordedOn: row.recordedOn,
        createdAt: row.createdAt,
      }
    );
  }

  async listEvidenceVersions(partnerId: string): Promise<Omit<EvidenceRecord, 'document'>[]> {
    return this.db
      .select({
        partnerId: evidenceVersions.partnerId,
        version: evidenceVersions.version,
        recordedOn: evidenceVersions.recordedOn,
        createdAt: evidenceVersions.createdAt,
      })
      .from(evidenceVersions)
      .where(eq(evidenceVersions.partnerId, partnerId))
      .orderBy(asc(evidenceVersions.version));
  }

  // ---------------------------------------------------------------- invoices

  async createInvoice(input: CreateInvoiceInput): Promise<{ invoice: Invoice; created: boolean }> {
    assertIsoDate('issuedOn', input.issuedOn);
    assertIsoDate('dueOn', input.dueOn);
    assertMoney('amount', input.amount);
    assertMoney('vatAmount', input.vatAmount);
    return this.run(async () => {
      // A few rounds at most: a round only fails when a concurrent writer took the id we derived.
      for (let attempt = 0; attempt < 5; attempt++) {
        const live = await this.liveInvoice(input.partnerId, input.membershipYear);
        if (live) return { invoice: live, created: false };
        const [{ n } = { n: 0 }] = await this.db
          .select({ n: sql<number>`count(*)::int` })
          .from(invoices)
          .where(and(eq(invoices.partnerId, input.partnerId), eq(invoices.membershipYear, input.membershipYear)));
        const id = `${input.partnerId}/invoice/${input.membershipYear}${n > 0 ? `-${n + 1}` : ''}`;
        // No conflict target: both the id and the one-live-invoice-per-year index make a duplicate a no-op.
        const [inserted] = await this.db
          .insert(invoices)
          .values({
            id,
            partnerId: input.partnerId,
            membershipYear: input.membershipYear,
            reason: input.reason,
            amount: input.amount,
            vatAmount: input.vatAmount,
            payerAccountId: input.payerAccountId,
            feeAccountId: input.feeAccountId ?? null,
            issuedOn: input.issuedOn,
            dueOn: input.dueOn,
          })
          .onConflictDoNothing()
          .returning();
        if (inserted) return { invoice: toInvoice(inserted), created: true };
      }
      throw new StoreConflictError('invoice-contention', `could not create invoice for ${input.partnerId}`);
    });
  }

  private async liveInvoice(partnerId: string, membershipYear: number): Promise<Invoice | undefined> {
    const [row] = await this.db
      .select()
      .from(invoices)
      .where(
        and(
          eq(invoices.partnerId, partnerId),
          eq(invoices.membershipYear, membershipYear),
          ne(invoices.status, 'voided'),
        ),
      );
    return row && toInvoice(row);
  }

  async getInvoice(invoiceId: string): Promise<Invoice | undefined> {
    const [row] = await this.db.select().from(invoices).where(eq(invoices.id, invoiceId));
    return row && toInvoice(row);
  }

  async listInvoices(partnerId: string): Promise<Invoice[]> {
    const rows = await this.db
      .select()
      .from(invoices)
      .where(eq(invoices.partnerId, partnerId))
      .orderBy(asc(invoices.issuedOn), asc(invoices.id));
    return rows.map(toInvoice);
  }

  async markInvoicePaid(
    invoiceId: string,
    payment: { on: IsoDate; via?: 'payment' | 'advance-pay' },
  ): Promise<{ invoice: Invoice; changed: boolean }> {
    assertIsoDate('on', payment.on);
    return this.run(async () => {
      const [row] = await this.db
        .update(invoices)
        .set({ status: 'paid', paidOn: payment.on, paidVia: payment.via ?? 'payment' })
        .where(and(eq(invoices.id, invoiceId), eq(invoices.status, 'open')))
        .returning();
      if (row) return { invoice: toInvoice(row), changed: true };
      const existing = await this.getInvoice(invoiceId);
      if (!existing) throw new NotFoundError('invoice', invoiceId);
      if (existing.status === 'voided') {
        throw new StoreConflictError('invoice-voided', `invoice ${invoiceId} was voided on ${existing.voidedOn}`);
      }
      return { invoice: existing, changed: false };
    });
  }

  async voidOpenInvoices(partnerId: string, on: IsoDate): Promise<Invoice[]> {
    assertIsoDate('on', on);
    return this.run(async () => {
      const rows = await this.db
        .update(invoices)
        .set({ status: 'voided', voidedOn: on })
        .where(and(eq(invoices.partnerId, partnerId), eq(invoices.status, 'open')))
        .returning();
      return rows.map(toInvoice);
    });
  }

  // ---------------------------------------------------------------- cases

  async openCase(input: OpenCaseInput): Promise<{ case: Case; created: boolean }> {
    assertIsoDate('openedOn', input.openedOn);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const [partner] = await tx
          .select({ caseSeq: partners.caseSeq })
          .from(partners)
          .where(eq(partners.id, input.partnerId))
          .for('update');
        if (!partner) throw new NotFoundError('partner', input.partnerId);
        const [existing] = await tx.select().from(cases).where(eq(cases.key, input.key));
        if (existing) {
          if (
            existing.partnerId !== input.partnerId ||
            existing.kind !== input.kind ||
            existing.reason !== input.reason
          ) {
            throw new StoreConflictError('case-key-reused', `case key ${input.key} was used for another case`);
          }
          return { case: toCase(existing), created: false };
        }
        const seq = partner.caseSeq + 1;
        await tx.update(partners).set({ caseSeq: seq }).where(eq(partners.id, input.partnerId));
        const [row] = await tx
          .insert(cases)
          .values({
            id: `${input.partnerId}/case/${seq}`,
            key: input.key,
            partnerId: input.partnerId,
            kind: input.kind,
            reason: input.reason,
            openedOn: input.openedOn,
            targetTier: input.targetTier,
          })
          .returning();
        if (!row) throw new Error('case insert returned nothing');
        return { case: toCase(row), created: true };
      }),
    );
  }

  async closeCase(caseId: string, close: { on: IsoDate; outcome: string }): Promise<{ case: Case; changed: boolean }> {
    assertIsoDate('on', close.on);
    return this.run(async () => {
      const [row] = await this.db
        .update(cases)
        .set({ status: 'closed', closedOn: close.on, outcome: close.outcome })
        .where(and(eq(cases.id, caseId), eq(cases.status, 'open')))
        .returning();
      if (row) return { case: toCase(row), changed: true };
      const existing = await this.getCase(caseId);
      if (!existing) throw new NotFoundError('case', caseId);
      if (existing.outcome !== close.outcome) {
        throw new StoreConflictError('case-closed', `case ${caseId} is already closed (${existing.outcome})`);
      }
      return { case: existing, changed: false };
    });
  }

  async getCase(caseId: string): Promise<Case | undefined> {
    const [row] = await this.db.select().from(cases).where(eq(cases.id, caseId));
    return row && toCase(row);
  }

  async listCases(partnerId: string, filter: { status?: CaseStatus } = {}): Promise<Case[]> {
    const rows = await this.db
      .select()
      .from(cases)
      .where(and(eq(cases.partnerId, partnerId), filter.status ? eq(cases.status, filter.status) : undefined))
      .orderBy(asc(cases.openedOn), asc(cases.createdAt), asc(cases.id));
    return rows.map(toCase);
  }

  // ---------------------------------------------------------------- applications

  async createApplication(input: CreateApplicationInput): Promise<{ application: Application; created: boolean }> {
    assertIsoDate('submittedOn', input.submittedOn);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const [partner] = await tx
          .select({ applicationSeq: partners.applicationSeq })
          .from(partners)
          .where(eq(partners.id, input.partnerId))
          .for('update');
        if (!partner) throw new NotFoundError('partner', input.partnerId);
        if (input.key !== undefined) {
          const [existing] = await tx.select().from(applications).where(eq(applications.key, input.key));
          if (existing) {
            if (existing.partnerId !== input.partnerId || existing.targetTier !== input.targetTier) {
              throw new StoreConflictError(
                'application-key-reused',
                `key ${input.key} was used for another application`,
              );
            }
            return { application: toApplication(existing), created: false };
          }
        }
        const [open] = await tx
          .select({ id: applications.id })
          .from(applications)
          .where(
            and(
              eq(applications.partnerId, input.partnerId),
              inArray(applications.status, ['submitted', 'in-progress']),
            ),
          );
        if (open) {
          throw new StoreConflictError('application-open', `partner ${input.partnerId} already has ${open.id} open`, {
            applicationId: open.id,
          });
        }
        const seq = partner.applicationSeq + 1;
        await tx.update(partners).set({ applicationSeq: seq }).where(eq(partners.id, input.partnerId));
        const [row] = await tx
          .insert(applications)
          .values({
            id: `${input.partnerId}/application/${seq}`,
            partnerId: input.partnerId,
            seq,
            key: input.key ?? null,
            targetTier: input.targetTier,
            feeAccountId: input.feeAccountId,
            submittedOn: input.submittedOn,
            submittedBy: input.submittedBy,
            history: sql`${jsonb([{ on: input.submittedOn, status: 'submitted', by: input.submittedBy }])}`,
          })
          .returning();
        if (!row) throw new Error('application insert returned nothing');
        return { application: toApplication(row), created: true };
      }),
    );
  }

  async getApplication(applicationId: string): Promise<Application | undefined> {
    const [row] = await this.db.select().from(applications).where(eq(applications.id, applicationId));
    return row && toApplication(row);
  }

  async listApplications(filter: {
    partnerId?: string;
    status?: ApplicationStatus;
    ebrWindow?: string;
  }): Promise<Application[]> {
    const rows = await this.db
      .select()
      .from(applications)
      .where(
        and(
          filter.partnerId ? eq(applications.partnerId, filter.partnerId) : undefined,
          filter.status ? eq(applications.status, filter.status) : undefined,
          filter.ebrWindow ? eq(applications.ebrWindow, filter.ebrWindow) : undefined,
        ),
      )
      .orderBy(asc(applications.partnerId), asc(applications.seq));
    return rows.map(toApplication);
  }

  async updateApplication(applicationId: string, patch: ApplicationPatch): Promise<Application> {
    if (patch.decidedOn) assertIsoDate('decidedOn', patch.decidedOn);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const [current] = await tx.select().from(applications).where(eq(applications.id, applicationId)).for('update');
        if (!current) throw new NotFoundError('application', applicationId);
        const decided = ['approved', 'rejected', 'withdrawn'].includes(current.status);
        if (decided && patch.status !== undefined && patch.status !== current.status) {
          throw new StoreConflictError(
            'application-decided',
            `application ${applicationId} is ${current.status}; it cannot become ${patch.status}`,
          );
        }
        const set: Partial<typeof applications.$inferInsert> = {};
        if (patch.status !== undefined) set.status = patch.status;
        if (patch.gaps !== undefined) set.gaps = sql`${jsonb(patch.gaps)}`;
        if (patch.decidedOn !== undefined) set.decidedOn = patch.decidedOn;
        if (patch.ebrWindow !== undefined) set.ebrWindow = patch.ebrWindow;
        if (patch.appendHistory?.length) set.history = sql`${applications.history} || ${jsonb(patch.appendHistory)}`;
        if (Object.keys(set).length === 0) return toApplication(current);
        const [row] = await tx.update(applications).set(set).where(eq(applications.id, applicationId)).returning();
        if (!row) throw new Error('application update returned nothing');
        return toApplication(row);
      }),
    );
  }

  // ---------------------------------------------------------------- notifications outbox

  async appendJournal(partnerId: string, entries: JournalEntryInput[]): Promise<{ written: number }> {
    for (const entry of entries) assertIsoDate('on', entry.on);
    if (entries.length === 0) return { written: 0 };
    return this.run(async () => {
      const rows = await this.db
        .insert(journal)
        .values(
          entries.map((e) => ({
            key: e.key,
            partnerId,
            on: e.on,
            type: e.type,
            data: sql`${jsonb(e.data)}`,
          })),
        )
        .onConflictDoNothing({ target: journal.key })
        .returning({ seq: journal.seq });
      return { written: rows.length };
    });
  }

  async listJournal(partnerId: string): Promise<JournalEntry[]> {
    const rows = await this.db.select().from(journal).where(eq(journal.partnerId, partnerId)).orderBy(asc(journal.seq));
    return rows.map((r) => ({
      seq: r.seq,
      key: r.key,
      partnerId: r.partnerId,
      on: r.on,
      type: r.type,
      data: r.data as Record<string, unknown>,
    }));
  }

  async enqueueNotification(
    input: EnqueueNotificationInput,
  ): Promise<{ notification: Notification; created: boolean }> {
    assertIsoDate('on', input.on);
    return this.run(async () => {
      const [row] = await this.db
        .insert(notifications)
        .values({
          key: input.key,
          partnerId: input.partnerId,
          kind: input.kind,
          recipient: input.recipient,
          payload: sql`${jsonb(input.payload ?? null)}`,
          on: input.on,
        })
        .onConflictDoNothing({ target: notifications.key })
        .returning();
      if (row) return { notification: toNotification(row), created: true };
      const [existing] = await this.db.select().from(notifications).where(eq(notifications.key, input.key));
      if (!existing) throw new Error(`notification ${input.key} vanished`);
      return { notification: toNotification(existing), created: false };
    });
  }

  async listNotifications(partnerId: string, filter: { status?: NotificationStatus } = {}): Promise<Notification[]> {
    const rows = await this.db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.partnerId, partnerId),
          filter.status ? eq(notifications.status, filter.status) : undefined,
        ),
      )
      .orderBy(asc(notifications.on), asc(notifications.createdAt), asc(notifications.key));
    return rows.map(toNotification);
  }

  async listPendingNotifications(limit = 100): Promise<Notification[]> {
    const rows = await this.db
      .select()
      .from(notifications)
      .where(eq(notifications.status, 'pending'))
      .orderBy(asc(notifications.on), asc(notifications.createdAt), asc(notifications.key))
      .limit(limit);
    return rows.map(toNotification);
  }

  async markNotificationSent(key: string, on: IsoDate): Promise<{ notification: Notification; changed: boolean }> {
    assertIsoDate('on', on);
    return this.run(async () => {
      const [row] = await this.db
        .update(notifications)
        .set({ status: 'sent', sentOn: on })
        .where(and(eq(notifications.key, key), eq(notifications.status, 'pending')))
        .returning();
      if (row) return { notification: toNotification(row), changed: true };
      const [existing] = await this.db.select().from(notifications).where(eq(notifications.key, key));
      if (!existing) throw new NotFoundError('notification', key);
      return { notification: toNotification(existing), changed: false };
    });
  }

  // ---------------------------------------------------------------- organizations and reseller invitations

  async createOrganization(
    input: Organization & { on: IsoDate },
  ): Promise<{ organization: Organization; created: boolean }> {
    assertIsoDate('on', input.on);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const [inserted] = await tx
          .insert(organizations)
          .values({
            id: input.id,
            name: input.name,
            managementAccountId: input.managementAccountId,
            reseller: input.reseller,
          })
          .onConflictDoNothing({ target: organizations.id })
          .returning();
        if (!inserted) {
          const [existing] = await tx.select().from(organizations).where(eq(organizations.id, input.id));
          const organization = existing && toOrganization(existing);
          if (
            !organization ||
            !sameJson(organization, {
              id: input.id,
              name: input.name,
              managementAccountId: input.managementAccountId,
              reseller: input.reseller,
            })
          ) {
            throw new StoreConflictError('organization-exists', `organization ${input.id} exists with different data`);
          }
          return { organization, created: false };
        }
        await this.join(tx, input.id, input.managementAccountId, input.on);
        return { organization: toOrganization(inserted), created: true };
      }),
    );
  }

  /** Puts `accountId` into the organization; an account is in at most one organization. */
  private async join(tx: Db, organizationId: string, accountId: string, on: IsoDate): Promise<OrganizationMember> {
    const [inserted] = await tx
      .insert(organizationMembers)
      .values({ accountId, organizationId, joinedOn: on })
      .onConflictDoNothing({ target: organizationMembers.accountId })
      .returning();
    if (inserted) return { accountId, organizationId, joinedOn: inserted.joinedOn };
    const [existing] = await tx.select().from(organizationMembers).where(eq(organizationMembers.accountId, accountId));
    if (!existing || existing.organizationId !== organizationId) {
      throw new StoreConflictError(
        'account-in-other-organization',
        `account ${accountId} already belongs to organization ${existing?.organizationId}`,
        { organizationId: existing?.organizationId },
      );
    }
    return { accountId, organizationId, joinedOn: existing.joinedOn };
  }

  async addOrganizationMember(organizationId: string, accountId: string, on: IsoDate): Promise<OrganizationMember> {
    assertIsoDate('on', on);
    return this.run(() => this.db.transaction((tx) => this.join(tx, organizationId, accountId, on)));
  }

  async removeOrganizationMember(accountId: string): Promise<boolean> {
    return this.run(async () => {
      const rows = await this.db
        .delete(organizationMembers)
        .where(
          and(
            eq(organizationMembers.accountId, accountId),
            // The management account cannot leave its own organization.
            sql`not exists (select 1 from ${organizations} where ${organizations.managementAccountId} = ${accountId})`,
          ),
        )
        .returning();
      return rows.length > 0;
    });
  }

  async getOrganizationOf(
    accountId: string,
  ): Promise<{ organization: Organization; member: OrganizationMember } | undefined> {
    const [row] = await this.db
      .select()
      .from(organizationMembers)
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .where(eq(organizationMembers.accountId, accountId));
    return (
      row && {
        organization: toOrganization(row.organizations),
        member: {
          accountId: row.organization_members.accountId,
          organizationId: row.organization_members.organizationId,
          joinedOn: row.organization_members.joinedOn,
        },
      }
    );
  }

  async resolvePayer(accountId: string): Promise<string> {
    const found = await this.getOrganizationOf(accountId);
    return found?.organization.managementAccountId ?? accountId;
  }

  async inviteAccount(input: { organizationId: string; accountId: string; on: IsoDate }): Promise<Invitation> {
    assertIsoDate('on', input.on);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const [member] = await tx
          .select()
          .from(organizationMembers)
          .where(eq(organizationMembers.accountId, input.accountId));
        if (member?.organizationId === input.organizationId) {
          throw new StoreConflictError('already-member', `account ${input.accountId} is already a member`);
        }
        await this.expire(tx, input.on, eq(invitations.accountId, input.accountId));
        const [inserted] = await tx
          .insert(invitations)
          .values({
            organizationId: input.organizationId,
            accountId: input.accountId,
            invitedOn: input.on,
            expiresOn: addDays(input.on, INVITATION_TTL_DAYS),
          })
          .onConflictDoNothing()
          .returning();
        if (inserted) return toInvitation(inserted);
        const [pending] = await tx
          .select()
          .from(invitations)
          .where(
            and(
              eq(invitations.organizationId, input.organizationId),
              eq(invitations.accountId, input.accountId),
              eq(invitations.status, 'invited'),
            ),
          );
        if (!pending) throw new Error('pending invitation vanished');
        return toInvitation(pending);
      }),
    );
  }

  private async expire(tx: Db, on: IsoDate, where?: SQL): Promise<Invitation[]> {
    const rows = await tx
      .update(invitations)
      .set({ status: 'expired' })
      .where(and(eq(invitations.status, 'invited'), sql`${invitations.expiresOn} <= ${on}::date`, where))
      .returning();
    return rows.map(toInvitation);
  }

  async respondToInvitation(invitationId: number, response: 'accepted' | 'declined', on: IsoDate): Promise<Invitation> {
    assertIsoDate('on', on);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const [current] = await tx.select().from(invitations).where(eq(invitations.id, invitationId)).for('update');
        if (!current) throw new NotFoundError('invitation', String(invitationId));
        if (current.status !== 'invited') {
          if (current.status === response || current.status === 'expired') return toInvitation(current);
          throw new StoreConflictError(
            'invitation-answered',
            `invitation ${invitationId} was already ${current.status}`,
          );
        }
        if (on >= current.expiresOn) {
          const [expired] = await tx
            .update(invitations)
            .set({ status: 'expired' })
            .where(eq(invitations.id, invitationId))
            .returning();
          return toInvitation(expired ?? current);
        }
        if (response === 'accepted') await this.join(tx, current.organizationId, current.accountId, on);
        const [row] = await tx
          .update(invitations)
          .set({ status: response, respondedOn: on })
          .where(eq(invitations.id, invitationId))
          .returning();
        if (!row) throw new Error('invitation update returned nothing');
        return toInvitation(row);
      }),
    );
  }

  async expireInvitations(on: IsoDate): Promise<Invitation[]> {
    assertIsoDate('on', on);
    return this.run(() => this.expire(this.db, on));
  }

  async listInvitations(filter: { organizationId?: string; accountId?: string }): Promise<Invitation[]> {
    const rows = await this.db
      .select()
      .from(invitations)
      .where(
        and(
          filter.organizationId ? eq(invitations.organizationId, filter.organizationId) : undefined,
          filter.accountId ? eq(invitations.accountId, filter.accountId) : undefined,
        ),
      )
      .orderBy(asc(invitations.id));
    return rows.map(toInvitation);
  }

  // ---------------------------------------------------------------- Advance Pay

  async fundAdvancePay(input: {
    key: string;
    payerAccountId: string;
    amount: number;
    method: FundingMethod;
    on: IsoDate;
  }): Promise<AdvancePayAccount> {
    assertIsoDate('on', input.on);
    assertMoney('amount', input.amount);
    return this.run(async () => {
      await this.db.transaction(async (tx) => {
        await tx
          .insert(advancePayAccounts)
          .values({ payerAccountId: input.payerAccountId })
          .onConflictDoNothing({ target: advancePayAccounts.payerAccountId });
        const [funding] = await tx
          .insert(advancePayFundings)
          .values({
            key: input.key,
            payerAccountId: input.payerAccountId,
            amount: input.amount,
            method: input.method,
            on: input.on,
          })
          .onConflictDoNothing({ target: advancePayFundings.key })
          .returning();
        if (funding) {
          await tx
            .update(advancePayAccounts)
            .set({ balance: sql`${advancePayAccounts.balance} + ${input.amount}` })
            .where(eq(advancePayAccounts.payerAccountId, input.payerAccountId));
          return;
        }
        const [existing] = await tx.select().from(advancePayFundings).where(eq(advancePayFundings.key, input.key));
        if (existing && (existing.payerAccountId !== input.payerAccountId || existing.amount !== input.amount)) {
          throw new StoreConflictError('funding-key-reused', `funding key ${input.key} was used for another funding`);
        }
      });
      const account = await this.getAdvancePay(input.payerAccountId);
      if (!account) throw new Error('advance pay account vanished');
      return account;
    });
  }

  async getAdvancePay(payerAccountId: string): Promise<AdvancePayAccount | undefined> {
    const [account] = await this.db
      .select()
      .from(advancePayAccounts)
      .where(eq(advancePayAccounts.payerAccountId, payerAccountId));
    if (!account) return undefined;
    const fundings = await this.db
      .select()
      .from(advancePayFundings)
      .where(eq(advancePayFundings.payerAccountId, payerAccountId))
      .orderBy(asc(advancePayFundings.on), asc(advancePayFundings.createdAt), asc(advancePayFundings.key));
    return {
      payerAccountId,
      balance: account.balance,
      fundings: fundings.map((f): AdvancePayFunding => ({
        key: f.key,
        payerAccountId: f.payerAccountId,
        amount: f.amount,
        method: f.method as FundingMethod,
        on: f.on,
      })),
    };
  }

  async applyAdvancePay(
    payerAccountId: string,
    invoiceId: string,
    amount: number,
    on: IsoDate,
  ): Promise<AdvancePayResult> {
    assertIsoDate('on', on);
    assertMoney('amount', amount);
    return this.run(() =>
      this.db.transaction(async (tx): Promise<AdvancePayResult> => {
        // Lock order account → invoice everywhere, so two debits of one balance queue instead of both passing.
        const [account] = await tx
          .select()
          .from(advancePayAccounts)
          .where(eq(advancePayAccounts.payerAccountId, payerAccountId))
          .for('update');
        if (!account) return { applied: false, reason: 'no-advance-pay', balance: 0 };
        const [already] = await tx
          .select()
          .from(advancePayApplications)
          .where(eq(advancePayApplications.invoiceId, invoiceId));
        if (already) return { applied: true, balance: account.balance, alreadyApplied: true };
        const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, invoiceId)).for('update');
        if (!invoice) throw new NotFoundError('invoice', invoiceId);
        if (invoice.status !== 'open') return { applied: false, reason: 'invoice-not-open', balance: account.balance };
        // R-ADVANCE-PAY decision: all or nothing — a balance short of the whole invoice pays none of it.
        const [debited] = await tx
          .update(advancePayAccounts)
          .set({ balance: sql`${advancePayAccounts.balance} - ${amount}` })
          .where(
            and(eq(advancePayAccounts.payerAccountId, payerAccountId), sql`${advancePayAccounts.balance} >= ${amount}`),
          )
          .returning();
        if (!debited) return { applied: false, reason: 'insufficient-balance', balance: account.balance };
        await tx.insert(advancePayApplications).values({ invoiceId, payerAccountId, amount, on });
        await tx
          .update(invoices)
          .set({ status: 'paid', paidOn: on, paidVia: 'advance-pay' })
          .where(eq(invoices.id, invoiceId));
        return { applied: true, balance: debited.balance, alreadyApplied: false };
      }),
    );
  }

  // ---------------------------------------------------------------- API idempotency keys

  async rememberResponse(
    callerId: string,
    key: string,
    requestHash: string,
    status: number,
    body: unknown,
  ): Promise<StoredResponse> {
    return this.run(async () => {
      await this.db
        .insert(apiIdempotency)
        .values({ callerId, key, requestHash, status, body: sql`${jsonb(body ?? null)}` })
        .onConflictDoNothing({ target: [apiIdempotency.callerId, apiIdempotency.key] });
      const stored = await this.recallResponse(callerId, key);
      if (!stored) throw new Error(`idempotency record ${callerId}/${key} vanished`);
      return stored;
    });
  }

  async recallResponse(callerId: string, key: string): Promise<StoredResponse | undefined> {
    const [row] = await this.db
      .select()
      .from(apiIdempotency)
      .where(and(eq(apiIdempotency.callerId, callerId), eq(apiIdempotency.key, key)));
    return (
      row && { callerId: row.callerId, key: row.key, requestHash: row.requestHash, status: row.status, body: row.body }
    );
  }

  async claimIdempotencyKey(
    callerId: string,
    key: string,
    requestHash: string,
    staleAfterMs = 120_000,
  ): Promise<{ claimed: true } | { claimed: false; stored: StoredResponse }> {
    return this.run(async () => {
      const inserted = await this.db
        .insert(apiIdempotency)
        .values({ callerId, key, requestHash, status: 0, body: null })
        .onConflictDoNothing({ target: [apiIdempotency.callerId, apiIdempotency.key] })
        .returning({ key: apiIdempotency.key });
      if (inserted.length > 0) return { claimed: true as const };
      // An unfinished claim older than staleAfterMs belongs to a process that died: take it over.
      const takenOver = await this.db
        .update(apiIdempotency)
        .set({ requestHash, createdAt: sql`now()` })
        .where(
          and(
            eq(apiIdempotency.callerId, callerId),
            eq(apiIdempotency.key, key),
            eq(apiIdempotency.status, 0),
            sql`${apiIdempotency.createdAt} < now() - make_interval(secs => ${staleAfterMs / 1000})`,
          ),
        )
        .returning({ key: apiIdempotency.key });
      if (takenOver.length > 0) return { claimed: true as const };
      const stored = await this.recallResponse(callerId, key);
      if (!stored) throw new Error(`idempotency record ${callerId}/${key} vanished`);
      return { claimed: false as const, stored };
    });
  }

  async settleIdempotencyKey(callerId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.run(() =>
      this.db
        .update(apiIdempotency)
        .set({ status, body: sql`${jsonb(body ?? null)}` })
        .where(and(eq(apiIdempotency.callerId, callerId), eq(apiIdempotency.key, key))),
    );
  }

  async releaseIdempotencyKey(callerId: string, key: string): Promise<void> {
    await this.run(() =>
      this.db
        .delete(apiIdempotency)
        .where(and(eq(apiIdempotency.callerId, callerId), eq(apiIdempotency.key, key), eq(apiIdempotency.status, 0))),
    );
  }
}
