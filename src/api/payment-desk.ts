/**
 * The money path (R-PAID, R-ADVANCE-PAY): records payments, applies the bank's outcome, applies Advance Pay when
 * funds arrive, and hands every succeeded payment to the partner's lifecycle (its `recordPayment` Update), which
 * settles the invoice and sends the promo code. Each step is idempotent, so a retried request finishes what a
 * crashed one began: a succeeded payment the lifecycle has not taken yet (`settledOn` null) is handed over again,
 * under an Update id derived from the payment, which the workflow answers once.
 */
import { methodRefusal, invoiceTotalCents, toCents, type PayerPaymentMethod } from '../domain/payments';
import type { AdvancePayAccount, FundingDocument, Invoice, Payment, Store } from '../store';
import type { Lifecycle } from './lifecycle';
import { ProblemError, toProblemError } from './problem';

type PaymentLifecycle = Pick<Lifecycle, 'pay'>;

const usd = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

export class PaymentDesk {
  constructor(
    private readonly store: Store,
    private readonly lifecycle: PaymentLifecycle,
  ) {}

  /**
   * The payer account pays the invoice with one of its eligible methods (000 "Complete payment"): recorded pending
   * until the bank processes it. Refused (422) when the invoice is billed to another payer, the amount is not its
   * total or the method is not eligible; 409 when the invoice is not open or already has a payment.
   */
  async pay(input: {
    partnerId: string;
    invoiceId: string;
    payerAccountId: string;
    amount: number;
    method: PayerPaymentMethod;
    by: string;
    on: string;
  }): Promise<Payment> {
    const invoice = await this.invoiceOf(input.partnerId, input.invoiceId);
    if (invoice.payerAccountId !== input.payerAccountId) {
      throw new ProblemError(
        'unprocessable',
        `invoice ${invoice.id} is billed to payer account ${invoice.payerAccountId}, not ${input.payerAccountId}`,
      );
    }
    this.requireTotal(invoice, input.amount);
    const { methods } = await this.store.payments.methodsOf(invoice.payerAccountId);
    const refusal = methodRefusal(input.method, methods);
    if (refusal) throw new ProblemError('unprocessable', refusal);
    return this.store.payments.record({
      invoiceId: invoice.id,
      method: input.method,
      amountCents: toCents(input.amount),
      recordedBy: input.by,
      on: input.on,
      status: 'pending',
    });
  }

  /**
   * A Partner Manager records a payment made outside the engine (`offline`) for the partner's open invoice; the
   * lifecycle settles it at once. A refusal by the lifecycle leaves the payment failed with the reason.
   */
  async payOffline(input: {
    partnerId: string;
    amount: number;
    by: string;
    on: string;
    updateId?: string | undefined;
  }): Promise<{ invoiceId: string; paidOn: string; paymentId?: string }> {
    const open = (await this.store.listInvoices(input.partnerId)).filter((i) => i.status === 'open');
    const invoice = open[open.length - 1];
    // No open invoice in the store: the lifecycle gives the refusal (or, on a retry, its first answer).
    if (!invoice) return this.lifecycle.pay(input.partnerId, { amount: input.amount, by: input.by }, input);
    this.requireTotal(invoice, input.amount);
    const payment = await this.store.payments.record({
      invoiceId: invoice.id,
      method: 'offline',
      amountCents: toCents(input.amount),
      recordedBy: input.by,
      on: input.on,
      status: 'succeeded',
    });
    const settled = await this.settle(payment, input.on, input.updateId);
    return { invoiceId: settled.invoiceId, paidOn: settled.settledOn ?? input.on, paymentId: payment.id };
  }

  /**
   * The bank's answer for a pending payment (000 step 6): `failed` leaves the invoice open; `succeeded` settles it
   * through the lifecycle. The same answer again finishes a hand-over a crash interrupted and changes nothing else.
   */
  async process(
    paymentId: string,
    outcome: { status: 'succeeded' | 'failed'; on: string; reason?: string },
  ): Promise<Payment> {
    const current = await this.store.payments.get(paymentId);
    if (!current) throw ProblemError.notFound(`payment ${paymentId} not found`);
    if (current.method === 'advance-pay' || current.method === 'offline') {
      throw ProblemError.conflict(`payment ${paymentId} is ${current.method}: no bank processes it`);
    }
    const { payment } = await this.store.payments.process(paymentId, outcome);
    if (payment.status !== 'succeeded' || payment.settledOn) return payment;
    return this.settle(payment, outcome.on);
  }

  /**
   * A transfer quoting a funding document arrived (003): the balance is funded once per reference, then pays every
   * due open invoice of the payer it covers whole, oldest first (R-ADVANCE-PAY), and each partner's lifecycle takes
   * its fee as paid. Retried or concurrent, the funds are applied once.
   */
  async receiveTransfer(input: { payerAccountId: string; reference: string; amount: number; on: string }): Promise<{
    document: FundingDocument;
    account: AdvancePayAccount;
    funded: boolean;
    payments: Payment[];
  }> {
    const received = await this.store.advancePay.receiveTransfer(input);
    const payments = await this.applyAdvancePay(input.payerAccountId, input.on, input.reference);
    const account = (await this.store.getAdvancePay(input.payerAccountId)) ?? received.account;
    await this.sendFundingReceipt(received.document, account);
    return { ...received, account, payments };
  }

  /**
   * The funding receipt (003: the payer sees its funds arrive): once per funding document, keyed by its reference, so
   * a transfer recorded again — after a crash before this step, or a retry — sends it at most once. Filed under the
   * partner the payer most recently paid for; a payer that pays for no partner yet has no one to file it under and
   * sees its funding in its statement (`GET /v1/advance-pay/{accountId}`).
   */
  private async sendFundingReceipt(document: FundingDocument, account: AdvancePayAccount): Promise<void> {
    if (document.status !== 'funded' || !document.fundedOn) return;
    const [partnerId] = await this.store.payments.partnersPaidBy(document.payerAccountId);
    if (!partnerId) return;
    await this.store.enqueueNotification({
      key: `advance-pay-funded#${document.reference}`,
      partnerId,
      kind: 'advance-pay-funded',
      recipient: `payer:${document.payerAccountId}`,
      on: document.fundedOn,
      payload: {
        reference: document.reference,
        method: document.method,
        amount: document.fundedAmount,
        balance: account.balance,
        payerAccountId: document.payerAccountId,
      },
    });
  }

  /**
   * Pays the payer's due open invoices its balance covers, and hands every succeeded payment of the payer the
   * lifecycle has not taken yet (these, and any a crash left behind) to the lifecycle. Resolves the payer's payments
   * handed over by this call.
   */
  async applyAdvancePay(payerAccountId: string, on: string, reference?: string): Promise<Payment[]> {
    await this.store.payments.payFromAdvancePay({
      payerAccountId,
      on,
      recordedBy: 'advance-pay',
      ...(reference ? { reference } : {}),
    });
    const handed: Payment[] = [];
    for (const payment of await this.store.payments.unsettled(payerAccountId)) {
      try {
        handed.push(await this.settle(payment, on));
      } catch (error) {
        // One partner's lifecycle refusing (or away) must not undo the payer's funding: the payment stays
        // unsettled, handed over again by the next transfer or retry.
        if (!toProblemError(error)) throw error;
        handed.push(payment);
      }
    }
    return handed;
  }

  /**
   * Hands a succeeded payment to the partner's lifecycle. A business refusal of an offline payment (no such open
   * invoice there any more) withdraws it and answers the refusal; money the bank or the balance moved stays
   * succeeded and unsettled for an operator to see (and the next hand-over to retry), as does Temporal being away.
   */
  private async settle(payment: Payment, on: string, updateId?: string): Promise<Payment> {
    try {
      await this.lifecycle.pay(
        payment.partnerId,
        {
          amount: payment.amount,
          invoiceId: payment.invoiceId,
          method: payment.method,
          reference: payment.reference ?? payment.id,
          by: payment.recordedBy,
        },
        { updateId: updateId ?? `payment/${payment.id}` },
      );
    } catch (error) {
      const problem = toProblemError(error);
      if (problem && problem.status < 500 && payment.method === 'offline') {
        await this.store.payments.withdraw(payment.id, on, `refused by the lifecycle: ${problem.detail}`);
      }
      throw error;
    }
    return this.store.payments.markSettled(payment.id, on);
  }

  private async invoiceOf(partnerId: string, invoiceId: string): Promise<Invoice> {
    const invoice = await this.store.getInvoice(invoiceId);
    if (!invoice || invoice.partnerId !== partnerId) {
      throw ProblemError.notFound(`partner '${partnerId}' has no invoice ${invoiceId}`);
    }
    if (invoice.status !== 'open') throw ProblemError.conflict(`invoice ${invoiceId} is ${invoice.status}`);
    return invoice;
  }

  private requireTotal(invoice: Invoice, amount: number): void {
    const total = invoiceTotalCents(invoice);
    if (toCents(amount) !== total) {
      throw new ProblemError(
        'unprocessable',
        `amount must equal the total of invoice ${invoice.id}, ${usd(total)} (fee plus tax); got ${usd(toCents(amount))}`,
      );
    }
  }
}
