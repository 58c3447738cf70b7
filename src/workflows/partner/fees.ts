/** The program fee (R-FEE, R-PAID, R-GRACE): invoices, payments, extensions, reminders and day 90. */
import { patched } from '@temporalio/workflow';
import { addDays } from '../../domain/dates';
import { feeDeadline, isBlocked } from '../../domain/membership';
import { activities } from '../common';
import type { ExtensionCommand, InvoiceState, IsoDate, PaymentCommand } from '../types';
import { lifecycle, record, type PartnerRun } from './run';
import { changeTier, openCase, closeCase, setAtRisk } from './tier';

export async function invoiceFee(
  run: PartnerRun,
  on: IsoDate,
  membershipYear: IsoDate,
  reason: 'renewal' | 'upgrade',
): Promise<void> {
  const { state, partnerId } = run;
  if (state.paidMembershipYears.includes(membershipYear)) return;
  if (state.invoice?.membershipYear === membershipYear) return;
  const issued = await activities.issueFeeInvoice({ partnerId, membershipYear, reason, on });
  state.invoice = {
    id: issued.invoiceId,
    membershipYear,
    issuedOn: on,
    total: issued.total,
    payerAccountId: issued.payerAccountId,
    deadline: feeDeadline(on, lifecycle),
    remindersSent: [],
    extended: false,
  };
  record(run, on, 'fee-invoiced', {
    invoiceId: issued.invoiceId,
    amount: issued.fee,
    tax: issued.tax,
    total: issued.total,
    ...(issued.taxNote ? { taxNote: issued.taxNote } : {}),
    payerAccountId: issued.payerAccountId,
    ...(issued.feeAccountId ? { feeAccountId: issued.feeAccountId } : {}),
    membershipYear,
    reason,
  });
  if (issued.paidViaAdvancePay) await settleInvoice(run, on, 'advance-pay');
}

export async function settleInvoice(
  run: PartnerRun,
  on: IsoDate,
  via: 'payment' | 'advance-pay',
  payment: { method?: string; reference?: string } = {},
): Promise<void> {
  const { state, partnerId } = run;
  const invoice = state.invoice;
  if (!invoice) return;
  await activities.markInvoicePaid({ invoiceId: invoice.id, paidOn: on, via });
  state.paidMembershipYears = [...state.paidMembershipYears, invoice.membershipYear].slice(-5);
  state.invoice = undefined;
  record(run, on, 'fee-paid', {
    invoiceId: invoice.id,
    total: invoice.total,
    via,
    // CONTRACT §3: how the fee was paid — from the Advance Pay balance, or a payment someone recorded.
    method: via === 'advance-pay' ? 'advance-pay' : 'recorded-payment',
    ...(payment.method ? { paymentMethod: payment.method } : {}),
    ...(payment.reference ? { reference: payment.reference } : {}),
  });
  // R-PAID: the promotional credit code goes to the Alliance Lead once per paid membership year.
  await activities.sendPromoCreditCode({
    key: `${partnerId}#promo#${invoice.membershipYear}`,
    partnerId,
    membershipYear: invoice.membershipYear,
    on,
  });
  record(run, on, 'promo-credit-sent', { membershipYear: invoice.membershipYear });
  if (state.atRiskReason === 'fee-unpaid') setAtRisk(run, on, false);
  // R-GRACE: a payment while the fee-unpaid case is open closes it paid.
  for (const c of state.cases.filter((x) => x.reason === 'fee-unpaid' && x.invoiceId === invoice.id)) {
    await closeCase(run, c, on, 'paid');
  }
}

export async function pay(
  run: PartnerRun,
  on: IsoDate,
  cmd: PaymentCommand,
): Promise<{ invoiceId: string; paidOn: string }> {
  const { state } = run;
  const invoice = state.invoice!;
  await activities.recordPayment({ invoiceId: invoice.id, amount: cmd.amount, paidOn: on });
  // Advance Pay applied when funds arrived during grace (R-ADVANCE-PAY) reaches the lifecycle as a payment.
  const via = cmd.method === 'advance-pay' ? 'advance-pay' : 'payment';
  await settleInvoice(run, on, via, {
    ...(cmd.method ? { method: cmd.method } : {}),
    ...(cmd.reference ? { reference: cmd.reference } : {}),
  });
  return { invoiceId: invoice.id, paidOn: on };
}

export async function extend(run: PartnerRun, on: IsoDate, cmd: ExtensionCommand): Promise<{ deadline: string }> {
  const { state, partnerId } = run;
  const invoice = state.invoice!;
  invoice.extended = true;
  invoice.deadline = addDays(invoice.deadline, cmd.days);
  await activities.notify({
    key: `${invoice.id}#extension`,
    partnerId,
    kind: 'fee-extension-granted',
    recipient: 'alliance-lead',
    on,
    payload: { invoiceId: invoice.id, deadline: invoice.deadline, by: cmd.by },
  });
  record(run, on, 'fee-extension', { invoiceId: invoice.id, days: cmd.days, deadline: invoice.deadline, by: cmd.by });
  return { deadline: invoice.deadline };
}

export async function graceStep(run: PartnerRun, on: IsoDate): Promise<void> {
  const { state, partnerId } = run;
  const invoice = state.invoice;
  if (!invoice) return;
  for (const day of lifecycle.programFee.reminderDays) {
    const due = addDays(invoice.issuedOn, day);
    if (
      due <= on &&
      due < invoice.deadline &&
      !invoice.remindersSent.includes(day) &&
      !isBlocked(state, 'grace-step', due)
    ) {
      await activities.notify({
        key: `${invoice.id}#reminder#${day}`,
        partnerId,
        kind: 'fee-reminder',
        recipient: 'alliance-lead',
        on: due,
        payload: { invoiceId: invoice.id, day, deadline: invoice.deadline, total: invoice.total },
      });
      // Marked sent once it went out: a failed reminder stays due, blocked by its incident until retried.
      invoice.remindersSent.push(day);
      record(run, due, 'fee-reminder', { invoiceId: invoice.id, day, deadline: invoice.deadline });
    }
  }
  if (invoice.deadline <= on && !invoice.overdueSince && patched('fee-unpaid-case-decided')) {
    await feeOverdue(run, invoice);
  } else if (invoice.deadline <= on && !invoice.overdueSince) {
    // Partners whose day 90 passed before the Partner Manager decided these cases keep their recorded history.
    const deadline = invoice.deadline;
    setAtRisk(run, deadline, true, 'fee-unpaid');
    const c = await openCase(run, deadline, 'fee-unpaid', 'registered');
    await changeTier(run, deadline, 'registered', 'fee-unpaid', 'fee-grace', c.id);
    await activities.voidOpenInvoices({ partnerId, on: deadline });
    record(run, deadline, 'invoice-voided', { invoiceId: invoice.id });
    state.invoice = undefined;
    await activities.notify({
      key: `${c.id}#opened`,
      partnerId,
      kind: 'downgraded-fee-unpaid',
      recipient: 'alliance-lead',
      on: deadline,
      payload: { caseId: c.id, invoiceId: invoice.id },
    });
    await closeCase(run, c, deadline, 'downgraded-to-registered');
    setAtRisk(run, deadline, false);
  }
}

/**
 * R-GRACE day 90, unpaid: the partner is at risk for downgrade — not downgraded. A fee-unpaid case opens for the
 * Partner Manager to decide (downgrade or keep); the invoice stays open and can still be paid.
 */
export async function feeOverdue(run: PartnerRun, invoice: InvoiceState): Promise<void> {
  const { partnerId } = run;
  const deadline = invoice.deadline;
  invoice.overdueSince = deadline;
  setAtRisk(run, deadline, true, 'fee-unpaid');
  const c = await openCase(run, deadline, 'fee-unpaid', 'registered', {
    invoiceId: invoice.id,
    escalateOn: addDays(deadline, lifecycle.programFee.caseEscalationDays),
  });
  for (const recipient of ['partner-manager', 'alliance-lead']) {
    await activities.notify({
      key: `${c.id}#opened#${recipient}`,
      partnerId,
      kind: 'fee-unpaid-case-opened',
      recipient,
      on: deadline,
      payload: { caseId: c.id, invoiceId: invoice.id, total: invoice.total, decideBy: c.escalateOn },
    });
  }
}
