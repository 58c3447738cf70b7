/**
 * Reseller billing in the system of record (R-RESELLER, 002): a reseller organization's enrolment by its APN partner,
 * the invitations' answers as their workflows decide them, usage per member account and month, the monthly
 * consolidated bill to the partner's management account and the partner's invoice to each customer. Money is integer
 * cents. Every write is idempotent (a retried activity changes nothing), and usage and bills of one organization are
 * serialised on its enrolment row, so no usage slips into a month after its bill was issued.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { consolidatedBill, isIsoMonth, type ConsolidatedBillLine } from '../domain/reseller';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError, StoreValidationError } from './errors';
import { jsonb, run } from './repository';
import {
  consolidatedBills,
  invitations,
  organizationMembers,
  organizations,
  partners,
  resellerEnrolments,
  resellerInvoices,
  usageRecords,
} from './schema';
import type { Invitation, IsoDate, Organization } from './types';

export interface ResellerEnrolment {
  organizationId: string;
  partnerId: string;
  discountBasisPoints: number;
  /** First month the consolidated cycle bills (`YYYY-MM`). */
  billingFrom: string;
  enrolledOn: IsoDate;
}

export interface UsageItem {
  service: string;
  amountCents: number;
}

export interface UsageRecord {
  accountId: string;
  month: string;
  organizationId: string;
  items: UsageItem[];
  totalCents: number;
  recordedOn: IsoDate;
}

export interface ConsolidatedBillRecord {
  organizationId: string;
  month: string;
  partnerId: string;
  payerAccountId: string;
  usageCents: number;
  discountCents: number;
  totalCents: number;
  lines: ConsolidatedBillLine[];
  issuedOn: IsoDate;
  status: 'issued' | 'paid';
  paidOn: IsoDate | null;
}

export interface ResellerInvoice {
  organizationId: string;
  month: string;
  accountId: string;
  partnerId: string;
  usageCents: number;
  amountCents: number;
  issuedOn: IsoDate;
}

const toEnrolment = (r: typeof resellerEnrolments.$inferSelect): ResellerEnrolment => ({
  organizationId: r.organizationId,
  partnerId: r.partnerId,
  discountBasisPoints: r.discountBasisPoints,
  billingFrom: r.billingFrom,
  enrolledOn: r.enrolledOn,
});

const toUsage = (r: typeof usageRecords.$inferSelect): UsageRecord => ({
  accountId: r.accountId,
  month: r.month,
  organizationId: r.organizationId,
  items: r.items as UsageItem[],
  totalCents: r.totalCents,
  recordedOn: r.recordedOn,
});

const toBill = (r: typeof consolidatedBills.$inferSelect): ConsolidatedBillRecord => ({
  organizationId: r.organizationId,
  month: r.month,
  partnerId: r.partnerId,
  payerAccountId: r.payerAccountId,
  usageCents: r.usageCents,
  discountCents: r.discountCents,
  totalCents: r.totalCents,
  lines: r.lines as ConsolidatedBillLine[],
  issuedOn: r.issuedOn,
  status: r.status as ConsolidatedBillRecord['status'],
  paidOn: r.paidOn,
});

const toInvoice = (r: typeof resellerInvoices.$inferSelect): ResellerInvoice => ({
  organizationId: r.organizationId,
  month: r.month,
  accountId: r.accountId,
  partnerId: r.partnerId,
  usageCents: r.usageCents,
  amountCents: r.amountCents,
  issuedOn: r.issuedOn,
});

const toInvitation = (r: typeof invitations.$inferSelect): Invitation => ({
  id: r.id,
  organizationId: r.organizationId,
  accountId: r.accountId,
  invitedOn: r.invitedOn,
  expiresOn: r.expiresOn,
  status: r.status as Invitation['status'],
  respondedOn: r.respondedOn,
});

function assertMonth(name: string, value: string): void {
  if (!isIsoMonth(value))
    throw new StoreValidationError(`${name} must be a month YYYY-MM (got ${JSON.stringify(value)})`);
}

function assertCents(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreValidationError(`${name} must be a non-negative whole number of cents (got ${value})`);
  }
}

/** The reseller billing repository (`store.reseller`). */
export class ResellerBilling {
  constructor(private readonly db: Db) {}

  /**
   * Enrols a reseller organization for consolidated billing by its APN partner. The same enrolment again answers
   * `created: false`; different terms are a conflict (they are the cycle's, fixed once it runs).
   */
  async enrol(input: ResellerEnrolment): Promise<{ enrolment: ResellerEnrolment; created: boolean }> {
    assertIsoDate('enrolledOn', input.enrolledOn);
    assertMonth('billingFrom', input.billingFrom);
    return run(() =>
      this.db.transaction(async (tx) => {
        const [organization] = await tx.select().from(organizations).where(eq(organizations.id, input.organizationId));
        if (!organization) throw new NotFoundError('organization', input.organizationId);
        if (!organization.reseller) {
          throw new StoreConflictError(
            'not-reseller',
            `organization ${input.organizationId} is not a reseller's organization (reseller: false)`,
          );
        }
        const [partner] = await tx.select({ id: partners.id }).from(partners).where(eq(partners.id, input.partnerId));
        if (!partner) throw new NotFoundError('partner', input.partnerId);
        const [inserted] = await tx
          .insert(resellerEnrolments)
          .values(input)
          .onConflictDoNothing({ target: resellerEnrolments.organizationId })
          .returning();
        if (inserted) return { enrolment: toEnrolment(inserted), created: true };
        const [existing] = await tx
          .select()
          .from(resellerEnrolments)
          .where(eq(resellerEnrolments.organizationId, input.organizationId));
        const enrolment = toEnrolment(existing!);
        if (
          enrolment.partnerId !== input.partnerId ||
          enrolment.discountBasisPoints !== input.discountBasisPoints ||
          enrolment.billingFrom !== input.billingFrom
        ) {
          throw new StoreConflictError(
            'enrolled-differently',
            `organization ${input.organizationId} is already enrolled by partner ${enrolment.partnerId} ` +
              `(discount ${enrolment.discountBasisPoints / 100}%, billed from ${enrolment.billingFrom})`,
          );
        }
        return { enrolment, created: false };
      }),
    );
  }

  async getEnrolment(organizationId: string): Promise<ResellerEnrolment | undefined> {
    const [row] = await this.db
      .select()
      .from(resellerEnrolments)
      .where(eq(resellerEnrolments.organizationId, organizationId));
    return row && toEnrolment(row);
  }

  /** The organization an account belongs to with its enrolment, if any. */
  async membershipOf(
    accountId: string,
  ): Promise<{ organization: Organization; joinedOn: IsoDate; enrolment: ResellerEnrolment | undefined } | undefined> {
    const [row] = await this.db
      .select({ member: organizationMembers, organization: organizations, enrolment: resellerEnrolments })
      .from(organizationMembers)
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .leftJoin(resellerEnrolments, eq(resellerEnrolments.organizationId, organizations.id))
      .where(eq(organizationMembers.accountId, accountId));
    if (!row) return undefined;
    return {
      organization: {
        id: row.organization.id,
        name: row.organization.name,
        managementAccountId: row.organization.managementAccountId,
        reseller: row.organization.reseller,
      },
      joinedOn: row.member.joinedOn,
      enrolment: row.enrolment ? toEnrolment(row.enrolment) : undefined,
    };
  }

  async getInvitation(id: number): Promise<Invitation | undefined> {
    const [row] = await this.db.select().from(invitations).where(eq(invitations.id, id));
    return row && toInvitation(row);
  }

  /**
   * R-RESELLER: the invitation's 15 days are over unanswered — it expires (its workflow's timer decides when). An
   * invitation already answered or expired is returned as it is.
   */
  async expireInvitation(id: number, on: IsoDate): Promise<Invitation> {
    assertIsoDate('on', on);
    return run(async () => {
      const [row] = await this.db
        .update(invitations)
        .set({ status: 'expired', respondedOn: on })
        .where(and(eq(invitations.id, id), eq(invitations.status, 'invited')))
        .returning();
      if (row) return toInvitation(row);
      const current = await this.getInvitation(id);
      if (!current) throw new NotFoundError('invitation', String(id));
      return current;
    });
  }

  /**
   * Records (or replaces) an account's usage of a month. The account must be a member of an enrolled reseller
   * organization, the month billable by it (not before `billingFrom`) and not billed yet.
   */
  async recordUsage(input: {
    accountId: string;
    month: string;
    items: UsageItem[];
    on: IsoDate;
  }): Promise<{ record: UsageRecord; created: boolean }> {
    assertIsoDate('on', input.on);
    assertMonth('month', input.month);
    for (const [i, item] of input.items.entries()) assertCents(`items[${i}].amountCents`, item.amountCents);
    const totalCents = input.items.reduce((s, i) => s + i.amountCents, 0);
    assertCents('total', totalCents);
    return run(() =>
      this.db.transaction(async (tx) => {
        const [member] = await tx
          .select()
          .from(organizationMembers)
          .where(eq(organizationMembers.accountId, input.accountId));
        const [enrolment] = member
          ? await tx
              .select()
              .from(resellerEnrolments)
              .where(eq(resellerEnrolments.organizationId, member.organizationId))
              .for('update')
          : [];
        if (!member || !enrolment) {
          throw new StoreConflictError(
            'not-reseller-member',
            `account ${input.accountId} is not a member of a reseller organization enrolled for consolidated billing`,
          );
        }
        if (input.month < enrolment.billingFrom) {
          throw new StoreConflictError(
            'month-not-billed',
            `organization ${enrolment.organizationId} is billed from ${enrolment.billingFrom}; ${input.month} is before it`,
          );
        }
        const [bill] = await tx
          .select({ issuedOn: consolidatedBills.issuedOn })
          .from(consolidatedBills)
          .where(
            and(
              eq(consolidatedBills.organizationId, enrolment.organizationId),
              eq(consolidatedBills.month, input.month),
            ),
          );
        if (bill) {
          throw new StoreConflictError(
            'month-billed',
            `the consolidated bill of ${enrolment.organizationId} for ${input.month} was issued on ${bill.issuedOn}; ` +
              'its usage can no longer change',
          );
        }
        const values = {
          accountId: input.accountId,
          month: input.month,
          organizationId: enrolment.organizationId,
          items: sql`${jsonb(input.items)}`,
          totalCents,
          recordedOn: input.on,
        };
        const [previous] = await tx
          .select({ accountId: usageRecords.accountId })
          .from(usageRecords)
          .where(and(eq(usageRecords.accountId, input.accountId), eq(usageRecords.month, input.month)));
        const [row] = await tx
          .insert(usageRecords)
          .values(values)
          .onConflictDoUpdate({
            target: [usageRecords.accountId, usageRecords.month],
            set: {
              organizationId: values.organizationId,
              items: values.items,
              totalCents,
              recordedOn: input.on,
            },
          })
          .returning();
        return { record: toUsage(row!), created: !previous };
      }),
    );
  }

  /** An account's usage, month by month. */
  async usageOf(accountId: string): Promise<UsageRecord[]> {
    const rows = await this.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.accountId, accountId))
      .orderBy(asc(usageRecords.month));
    return rows.map(toUsage);
  }

  /**
   * R-RESELLER: the month's consolidated bill to the partner's management account, from the usage recorded for the
   * organization's member accounts (`consolidatedBill` of src/domain/reseller.ts). Once per organization and month:
   * again returns the bill issued first.
   */
  async issueBill(input: {
    organizationId: string;
    month: string;
    on: IsoDate;
  }): Promise<{ bill: ConsolidatedBillRecord; created: boolean }> {
    assertIsoDate('on', input.on);
    assertMonth('month', input.month);
    return run(() =>
      this.db.transaction(async (tx) => {
        const [enrolment] = await tx
          .select()
          .from(resellerEnrolments)
          .where(eq(resellerEnrolments.organizationId, input.organizationId))
          .for('update');
        if (!enrolment) throw new NotFoundError('reseller enrolment', input.organizationId);
        const existing = await this.findBill(tx, input.organizationId, input.month);
        if (existing) return { bill: existing, created: false };
        const [organization] = await tx.select().from(organizations).where(eq(organizations.id, input.organizationId));
        const usage = await tx
          .select({ accountId: usageRecords.accountId, usageCents: usageRecords.totalCents })
          .from(usageRecords)
          .where(and(eq(usageRecords.organizationId, input.organizationId), eq(usageRecords.month, input.month)));
        const bill = consolidatedBill({
          month: input.month,
          discountBasisPoints: enrolment.discountBasisPoints,
          usage,
        });
        const [row] = await tx
          .insert(consolidatedBills)
          .values({
            organizationId: input.organizationId,
            month: input.month,
            partnerId: enrolment.partnerId,
            payerAccountId: organization!.managementAccountId,
            usageCents: bill.usageCents,
            discountCents: bill.discountCents,
            totalCents: bill.totalCents,
            lines: sql`${jsonb(bill.lines)}`,
            issuedOn: input.on,
            // Nothing to pay: a month without usage is settled as it is issued.
            status: bill.totalCents === 0 ? 'paid' : 'issued',
            paidOn: bill.totalCents === 0 ? input.on : null,
          })
          .returning();
        return { bill: toBill(row!), created: true };
      }),
    );
  }

  private async findBill(db: Db, organizationId: string, month: string): Promise<ConsolidatedBillRecord | undefined> {
    const [row] = await db
      .select()
      .from(consolidatedBills)
      .where(and(eq(consolidatedBills.organizationId, organizationId), eq(consolidatedBills.month, month)));
    return row && toBill(row);
  }

  /** The partner paid AWS the whole bill. Paying a paid bill again changes nothing; another amount is refused. */
  async markBillPaid(input: {
    organizationId: string;
    month: string;
    amountCents: number;
    on: IsoDate;
  }): Promise<{ bill: ConsolidatedBillRecord; changed: boolean }> {
    assertIsoDate('on', input.on);
    assertCents('amountCents', input.amountCents);
    return run(async () => {
      const bill = await this.findBill(this.db, input.organizationId, input.month);
      if (!bill) throw new NotFoundError('consolidated bill', `${input.organizationId}/${input.month}`);
      if (input.amountCents !== bill.totalCents) {
        throw new StoreConflictError(
          'amount-mismatch',
          `the bill of ${input.organizationId} for ${input.month} is ${bill.totalCents} cents, not ${input.amountCents}`,
        );
      }
      const [row] = await this.db
        .update(consolidatedBills)
        .set({ status: 'paid', paidOn: input.on })
        .where(
          and(
            eq(consolidatedBills.organizationId, input.organizationId),
            eq(consolidatedBills.month, input.month),
            eq(consolidatedBills.status, 'issued'),
          ),
        )
        .returning();
      return row ? { bill: toBill(row), changed: true } : { bill, changed: false };
    });
  }

  /**
   * R-RESELLER: once the partner paid, it invoices each customer account its share of the bill (its own management
   * account is not invoiced). Once per customer and month; returns every invoice of the bill.
   */
  async invoiceCustomers(input: { organizationId: string; month: string; on: IsoDate }): Promise<ResellerInvoice[]> {
    assertIsoDate('on', input.on);
    return run(() =>
      this.db.transaction(async (tx) => {
        const bill = await this.findBill(tx, input.organizationId, input.month);
        if (!bill) throw new NotFoundError('consolidated bill', `${input.organizationId}/${input.month}`);
        if (bill.status !== 'paid') {
          throw new StoreConflictError(
            'bill-unpaid',
            `the bill of ${input.organizationId} for ${input.month} is not paid yet: the partner invoices its customers after paying`,
          );
        }
        const customers = bill.lines.filter((l) => l.accountId !== bill.payerAccountId);
        if (customers.length > 0) {
          await tx
            .insert(resellerInvoices)
            .values(
              customers.map((l) => ({
                organizationId: input.organizationId,
                month: input.month,
                accountId: l.accountId,
                partnerId: bill.partnerId,
                usageCents: l.usageCents,
                amountCents: l.shareCents,
                issuedOn: input.on,
              })),
            )
            .onConflictDoNothing();
        }
        return this.invoicesOfBill(tx, input.organizationId, input.month);
      }),
    );
  }

  private async invoicesOfBill(db: Db, organizationId: string, month: string): Promise<ResellerInvoice[]> {
    const rows = await db
      .select()
      .from(resellerInvoices)
      .where(and(eq(resellerInvoices.organizationId, organizationId), eq(resellerInvoices.month, month)))
      .orderBy(asc(resellerInvoices.accountId));
    return rows.map(toInvoice);
  }

  /** A bill with the partner's invoices to its customers. */
  async getBill(
    organizationId: string,
    month: string,
  ): Promise<(ConsolidatedBillRecord & { invoices: ResellerInvoice[] }) | undefined> {
    const bill = await this.findBill(this.db, organizationId, month);
    if (!bill) return undefined;
    return { ...bill, invoices: await this.invoicesOfBill(this.db, organizationId, month) };
  }

  async listBills(organizationId: string): Promise<ConsolidatedBillRecord[]> {
    const rows = await this.db
      .select()
      .from(consolidatedBills)
      .where(eq(consolidatedBills.organizationId, organizationId))
      .orderBy(asc(consolidatedBills.month));
    return rows.map(toBill);
  }

  /** The partner's invoices to one customer account, month by month. */
  async invoicesOf(accountId: string): Promise<ResellerInvoice[]> {
    const rows = await this.db
      .select()
      .from(resellerInvoices)
      .where(eq(resellerInvoices.accountId, accountId))
      .orderBy(asc(resellerInvoices.month));
    return rows.map(toInvoice);
  }
}
