/**
 * Fee payments (R-PAID, 000) and the payer's eligible methods, and Advance Pay applied when funds arrive
 * (R-ADVANCE-PAY, 003). A payment names one invoice; at most one payment per invoice is pending or succeeded (a
 * unique index), so a retried or concurrent request never pays an invoice twice. Money is integer cents here.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import {
  eligibleMethods,
  fromCents,
  invoiceTotalCents,
  invoicesCovered,
  toCents,
  type PayerPaymentMethod,
  type PaymentMethod,
  type PaymentStatus,
} from '../domain/payments';
import type { Db } from './connection';
import { run as translated } from './repository';
import { assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError, sqlState } from './errors';
import { advancePayAccounts, advancePayApplications, invoices, payerPaymentMethods, payments } from './schema';
import type { IsoDate } from './types';

export interface Payment {
  id: string;
  invoiceId: string;
  partnerId: string;
  payerAccountId: string;
  method: PaymentMethod;
  /** USD, for display; `amountCents` is what the store keeps. */
  amount: number;
  amountCents: number;
  status: PaymentStatus;
  reference: string | null;
  recordedBy: string;
  recordedOn: IsoDate;
  processedOn: IsoDate | null;
  failureReason: string | null;
  /** The day the partner's lifecycle took the payment (its fee paid); null until then. */
  settledOn: IsoDate | null;
}

export interface PayerMethods {
  payerAccountId: string;
  methods: PayerPaymentMethod[];
  /** False when the payer has no list of its own and the default applies. */
  configured: boolean;
}

type PaymentRow = typeof payments.$inferSelect;

const toPayment = (r: PaymentRow): Payment => ({
  id: r.id,
  invoiceId: r.invoiceId,
  partnerId: r.partnerId,
  payerAccountId: r.payerAccountId,
  method: r.method as PaymentMethod,
  amount: fromCents(r.amountCents),
  amountCents: r.amountCents,
  status: r.status as PaymentStatus,
  reference: r.reference,
  recordedBy: r.recordedBy,
  recordedOn: r.recordedOn,
  processedOn: r.processedOn,
  failureReason: r.failureReason,
  settledOn: r.settledOn,
});

/** `PAY-` and 12 characters a person can read out (no 0/O, 1/I). */
function newPaymentId(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return `PAY-${[...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

const ACTIVE = ['pending', 'succeeded'] as const;

export class Payments {
  constructor(private readonly db: Db) {}

  /** The methods the payer may pay with: its own list, else the default (R-PAID, a project decision). */
  async methodsOf(payerAccountId: string): Promise<PayerMethods> {
    const [row] = await this.db
      .select()
      .from(payerPaymentMethods)
      .where(eq(payerPaymentMethods.payerAccountId, payerAccountId));
    const configured = row?.methods as PayerPaymentMethod[] | undefined;
    return { payerAccountId, methods: [...eligibleMethods(configured)], configured: configured !== undefined };
  }

  /** Replaces the payer's list of eligible methods. */
  async setMethods(payerAccountId: string, methods: PayerPaymentMethod[]): Promise<PayerMethods> {
    return translated(async () => {
      await this.db
        .insert(payerPaymentMethods)
        .values({ payerAccountId, methods })
        .onConflictDoUpdate({ target: payerPaymentMethods.payerAccountId, set: { methods } });
      return this.methodsOf(payerAccountId);
    });
  }

  async get(paymentId: string): Promise<Payment | undefined> {
    const [row] = await this.db.select().from(payments).where(eq(payments.id, paymentId));
    return row && toPayment(row);
  }

  async listForPartner(partnerId: string): Promise<Payment[]> {
    const rows = await this.db
      .select()
      .from(payments)
      .where(eq(payments.partnerId, partnerId))
      .orderBy(asc(payments.recordedOn), asc(payments.createdAt));
    return rows.map(toPayment);
  }

  /** The payment of the invoice that is pending or succeeded, if any. */
  async activeFor(invoiceId: string): Promise<Payment | undefined> {
    const [row] = await this.db
      .select()
      .from(payments)
      .where(and(eq(payments.invoiceId, invoiceId), inArray(payments.status, [...ACTIVE])));
    return row && toPayment(row);
  }

  /**
   * Records a payment of the open invoice `invoiceId` (`pending` until the bank processes it; an offline payment is
   * recorded `succeeded`). The invoice must be open; a second pending or succeeded payment of it is a conflict naming
   * the first.
   */
  async record(input: {
    invoiceId: string;
    method: PaymentMethod;
    amountCents: number;
    recordedBy: string;
    on: IsoDate;
    status: 'pending' | 'succeeded';
    reference?: string;
  }): Promise<Payment> {
    assertIsoDate('on', input.on);
    return translated(async () => {
      const [invoice] = await this.db.select().from(invoices).where(eq(invoices.id, input.invoiceId));
      if (!invoice) throw new NotFoundError('invoice', input.invoiceId);
      if (invoice.status !== 'open') {
        throw new StoreConflictError('invoice-not-open', `invoice ${input.invoiceId} is ${invoice.status}`);
      }
      try {
        const [row] = await this.db
          .insert(payments)
          .values({
            id: newPaymentId(),
            invoiceId: invoice.id,
            partnerId: invoice.partnerId,
            payerAccountId: invoice.payerAccountId,
            method: input.method,
            amountCents: input.amountCents,
            status: input.status,
            reference: input.reference ?? null,
            recordedBy: input.recordedBy,
            recordedOn: input.on,
            processedOn: input.status === 'succeeded' ? input.on : null,
          })
          .returning();
        if (!row) throw new Error('payment insert returned nothing');
        return toPayment(row);
      } catch (error) {
        if (sqlState(error) !== '23505') throw error;
        const first = await this.activeFor(input.invoiceId);
        throw new StoreConflictError(
          'payment-active',
          `invoice ${input.invoiceId} already has payment ${first?.id ?? '?'} (${first?.status ?? 'active'}): it is paid once`,
          first ? { paymentId: first.id } : undefined,
        );
      }
    });
  }

  /**
   * The bank processed the payment: pending → succeeded or failed. The same outcome again changes nothing
   * (`changed: false`); the other outcome of a processed payment is a conflict.
   */
  async process(
    paymentId: string,
    outcome: { status: 'succeeded' | 'failed'; on: IsoDate; reason?: string },
  ): Promise<{ payment: Payment; changed: boolean }> {
    assertIsoDate('on', outcome.on);
    return translated(async () => {
      const [row] = await this.db
        .update(payments)
        .set({
          status: outcome.status,
          processedOn: outcome.on,
          failureReason: outcome.status === 'failed' ? (outcome.reason ?? 'declined by the bank') : null,
        })
        .where(and(eq(payments.id, paymentId), eq(payments.status, 'pending')))
        .returning();
      if (row) return { payment: toPayment(row), changed: true };
      const existing = await this.get(paymentId);
      if (!existing) throw new NotFoundError('payment', paymentId);
      if (existing.status !== outcome.status) {
        throw new StoreConflictError(
          'payment-processed',
          `payment ${paymentId} was already processed: ${existing.status} on ${existing.processedOn ?? '?'}`,
        );
      }
      return { payment: existing, changed: false };
    });
  }

  /** The payment no longer stands (the lifecycle refused it): failed, with why. Only a not yet settled one. */
  async withdraw(paymentId: string, on: IsoDate, reason: string): Promise<Payment | undefined> {
    const [row] = await this.db
      .update(payments)
      .set({ status: 'failed', processedOn: on, failureReason: reason })
      .where(and(eq(payments.id, paymentId), isNull(payments.settledOn)))
      .returning();
    return row && toPayment(row);
  }

  /** The partner's lifecycle took the payment (once; a later call keeps the first date). */
  async markSettled(paymentId: string, on: IsoDate): Promise<Payment> {
    assertIsoDate('on', on);
    await this.db
      .update(payments)
      .set({ settledOn: on })
      .where(and(eq(payments.id, paymentId), eq(payments.status, 'succeeded'), isNull(payments.settledOn)));
    const payment = await this.get(paymentId);
    if (!payment) throw new NotFoundError('payment', paymentId);
    return payment;
  }

  /**
   * The partners whose fee invoices `payerAccountId` pays, the most recently invoiced first (a payer's notifications
   * are filed under a partner it pays for).
   */
  async partnersPaidBy(payerAccountId: string): Promise<string[]> {
    const rows = await this.db
      .select({ partnerId: invoices.partnerId, last: sql<string>`max(${invoices.issuedOn})` })
      .from(invoices)
      .where(eq(invoices.payerAccountId, payerAccountId))
      .groupBy(invoices.partnerId)
      .orderBy(sql`max(${invoices.issuedOn}) desc`, asc(invoices.partnerId));
    return rows.map((r) => r.partnerId);
  }

  /** Succeeded payments of the payer the partner's lifecycle has not taken yet (a crash came between the two). */
  async unsettled(payerAccountId: string): Promise<Payment[]> {
    const rows = await this.db
      .select()
      .from(payments)
      .where(
        and(eq(payments.payerAccountId, payerAccountId), eq(payments.status, 'succeeded'), isNull(payments.settledOn)),
      )
      .orderBy(asc(payments.recordedOn), asc(payments.createdAt));
    return rows.map(toPayment);
  }

  /**
   * R-ADVANCE-PAY, funds arriving while invoices are due: pays from the payer's balance every open invoice due by
   * `on` that what is left covers whole, oldest first — debit, Advance Pay application, invoice paid and a succeeded
   * `advance-pay` payment in one transaction under the balance's row lock, so concurrent or repeated calls apply the
   * funds once. Invoices with a payment pending at the bank are left to it. Returns the payments made now.
   */
  async payFromAdvancePay(input: {
    payerAccountId: string;
    on: IsoDate;
    reference?: string;
    recordedBy: string;
  }): Promise<Payment[]> {
    assertIsoDate('on', input.on);
    return translated(() =>
      this.db.transaction(async (tx) => {
        // Lock order account → invoices, as in applyAdvancePay: two appliers of one balance queue.
        const [account] = await tx
          .select()
          .from(advancePayAccounts)
          .where(eq(advancePayAccounts.payerAccountId, input.payerAccountId))
          .for('update');
        if (!account) return [];
        const open = await tx
          .select()
          .from(invoices)
          .where(
            and(
              eq(invoices.payerAccountId, input.payerAccountId),
              eq(invoices.status, 'open'),
              lte(invoices.dueOn, input.on),
            ),
          )
          .orderBy(asc(invoices.issuedOn), asc(invoices.id))
          .for('update');
        if (open.length === 0) return [];
        const inFlight = new Set(
          (
            await tx
              .select({ invoiceId: payments.invoiceId })
              .from(payments)
              .where(
                and(
                  inArray(
                    payments.invoiceId,
                    open.map((i) => i.id),
                  ),
                  inArray(payments.status, [...ACTIVE]),
                ),
              )
          ).map((p) => p.invoiceId),
        );
        const candidates = open
          .filter((i) => !inFlight.has(i.id))
          .map((i) => ({ invoiceId: i.id, totalCents: invoiceTotalCents(i), issuedOn: i.issuedOn, row: i }));
        const chosen = invoicesCovered(toCents(account.balance), candidates);
        const made: Payment[] = [];
        for (const invoiceId of chosen) {
          const invoice = candidates.find((c) => c.invoiceId === invoiceId)!;
          const amount = fromCents(invoice.totalCents);
          const [debited] = await tx
            .update(advancePayAccounts)
            .set({ balance: sql`${advancePayAccounts.balance} - ${amount}` })
            .where(
              and(
                eq(advancePayAccounts.payerAccountId, input.payerAccountId),
                sql`${advancePayAccounts.balance} >= ${amount}`,
              ),
            )
            .returning();
          if (!debited) break;
          await tx
            .insert(advancePayApplications)
            .values({ invoiceId, payerAccountId: input.payerAccountId, amount, on: input.on });
          await tx
            .update(invoices)
            .set({ status: 'paid', paidOn: input.on, paidVia: 'advance-pay' })
            .where(eq(invoices.id, invoiceId));
          const [row] = await tx
            .insert(payments)
            .values({
              id: newPaymentId(),
              invoiceId,
              partnerId: invoice.row.partnerId,
              payerAccountId: input.payerAccountId,
              method: 'advance-pay',
              amountCents: invoice.totalCents,
              status: 'succeeded',
              reference: input.reference ?? null,
              recordedBy: input.recordedBy,
              recordedOn: input.on,
              processedOn: input.on,
            })
            .returning();
          if (row) made.push(toPayment(row));
        }
        return made;
      }),
    );
  }
}
