/** Program fee invoices (R-FEE, R-GRACE, R-PAID): one live invoice per partner and membership year. */
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError } from './errors';
import { assertMoney, run } from './repository';
import { invoices } from './schema';
import type { CreateInvoiceInput, Invoice, IsoDate } from './types';

export interface InvoicesRepository {
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
}

type InvoiceRow = typeof invoices.$inferSelect;
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

/** The partner's invoice of the membership year that is not voided, if any. */
async function liveInvoice(db: Db, partnerId: string, membershipYear: number): Promise<Invoice | undefined> {
  const [row] = await db
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

/** The invoices repository over `db`. */
export function invoicesRepository(db: Db): InvoicesRepository {
  const repo = {
    async createInvoice(input: CreateInvoiceInput): Promise<{ invoice: Invoice; created: boolean }> {
      assertIsoDate('issuedOn', input.issuedOn);
      assertIsoDate('dueOn', input.dueOn);
      assertMoney('amount', input.amount);
      assertMoney('vatAmount', input.vatAmount);
      return run(async () => {
        // A few rounds at most: a round only fails when a concurrent writer took the id we derived.
        for (let attempt = 0; attempt < 5; attempt++) {
          const live = await liveInvoice(db, input.partnerId, input.membershipYear);
          if (live) return { invoice: live, created: false };
          const [{ n } = { n: 0 }] = await db
            .select({ n: sql<number>`count(*)::int` })
            .from(invoices)
            .where(and(eq(invoices.partnerId, input.partnerId), eq(invoices.membershipYear, input.membershipYear)));
          const id = `${input.partnerId}/invoice/${input.membershipYear}${n > 0 ? `-${n + 1}` : ''}`;
          // No conflict target: both the id and the one-live-invoice-per-year index make a duplicate a no-op.
          const [inserted] = await db
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
    },

    async getInvoice(invoiceId: string): Promise<Invoice | undefined> {
      const [row] = await db.select().from(invoices).where(eq(invoices.id, invoiceId));
      return row && toInvoice(row);
    },

    async listInvoices(partnerId: string): Promise<Invoice[]> {
      const rows = await db
        .select()
        .from(invoices)
        .where(eq(invoices.partnerId, partnerId))
        .orderBy(asc(invoices.issuedOn), asc(invoices.id));
      return rows.map(toInvoice);
    },

    async markInvoicePaid(
      invoiceId: string,
      payment: { on: IsoDate; via?: 'payment' | 'advance-pay' },
    ): Promise<{ invoice: Invoice; changed: boolean }> {
      assertIsoDate('on', payment.on);
      return run(async () => {
        const [row] = await db
          .update(invoices)
          .set({ status: 'paid', paidOn: payment.on, paidVia: payment.via ?? 'payment' })
          .where(and(eq(invoices.id, invoiceId), eq(invoices.status, 'open')))
          .returning();
        if (row) return { invoice: toInvoice(row), changed: true };
        const existing = await repo.getInvoice(invoiceId);
        if (!existing) throw new NotFoundError('invoice', invoiceId);
        if (existing.status === 'voided') {
          throw new StoreConflictError('invoice-voided', `invoice ${invoiceId} was voided on ${existing.voidedOn}`);
        }
        return { invoice: existing, changed: false };
      });
    },

    async voidOpenInvoices(partnerId: string, on: IsoDate): Promise<Invoice[]> {
      assertIsoDate('on', on);
      return run(async () => {
        const rows = await db
          .update(invoices)
          .set({ status: 'voided', voidedOn: on })
          .where(and(eq(invoices.partnerId, partnerId), eq(invoices.status, 'open')))
          .returning();
        return rows.map(toInvoice);
      });
    },
  };
  return repo;
}
