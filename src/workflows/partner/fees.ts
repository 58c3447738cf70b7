/** The program fee (R-FEE, R-PAID, R-GRACE): invoices, payments, extensions, reminders and day 90. */
import { patched } from '@temporalio/workflow';
import { addDays } from '../../domain/dates';
import {
  extensionTarget,
  feePaidEntry,
  feeDeadline,
  hasOverdueInvoice,
  isBlocked,
  openInvoices,
  paymentTarget,
  paymentVia,
} from '../../domain/membership';
import { activities } from '../common';
import type { ExtensionCommand, InvoiceState, IsoDate, PaymentCommand, PaymentMethod } from '../types';
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
  if (openInvoices(state).some((i) => i.membershipYear === membershipYear)) return;
  const issued = await activities.issueFeeInvoice({ partnerId, membershipYear, reason, on });
  const invoice: InvoiceState = {
    id: issued.invoiceId,
    membershipYear,
    issuedOn: on,
    total: issued.total,
    payerAccountId: issued.payerAccountId,
    deadline: feeDeadline(on, lifecycle),
    remindersSent: [],
    extended: false,
  };
  // Item 5: every open invoice is kept with its own clock; workflows that issued an invoice before the list existed
  // replay their history, in which a new invoice replaced the open one.
  if (patched('invoice-list')) state.invoices = [...openInvoices(state), invoice];
  else state.invoices = [invoice];
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
  if (issued.paidViaAdvancePay) await settleInvoice(run, on, invoice, 'advance-pay');
}

export async function settleInvoice(
  run: PartnerRun,
  on: IsoDate,
  invoice: InvoiceState,
  via: 'payment' | 'advance-pay',
  payment: { method?: PaymentMethod; reference?: string } = {},
): Promise<void> {
  const { state, partnerId } = run;
  await activities.markInvoicePaid({ invoiceId: invoice.id, paidOn: on, via });
  state.paidMembershipYears = [...state.paidMembershipYears, invoice.membershipYear].slice(-5);
  state.invoices = openInvoices(state).filter((i) => i.id !== invoice.id);
  record(run, on, 'fee-paid', feePaidEntry(invoice, via, payment));
  // R-PAID: the promotional credit code goes to the Alliance Lead once per paid membership year.
  await activities.sendPromoCreditCode({
    key: `${partnerId}#promo#${invoice.membershipYear}`,
    partnerId,
    membershipYear: invoice.membershipYear,
    on,
  });
  record(run, on, 'promo-credit-sent', { membershipYear: invoice.membershipYear });
  // At risk for an unpaid fee until no open invoice is past its deadline (R-GRACE).
  if (state.atRiskReason === 'fee-unpaid' && !hasOverdueInvoice(state)) setAtRisk(run, on, false);
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
  const invoice = paymentTarget(run.state, cmd)!;
  await activities.recordPayment({ invoiceId: invoice.id, amount: cmd.amount, paidOn: on });
  // Advance Pay applied when funds arrived during grace (R-ADVANCE-PAY) reaches the lifecycle as a payment.
  await settleInvoice(run, on, invoice, paymentVia(cmd), {
    ...(cmd.method ? { method: cmd.method } : {}),
    ...(cmd.reference ? { reference: cmd.reference } : {}),
  });
  return { invoiceId: invoice.id, paidOn: on };
}

export async function extend(run: PartnerRun, on: IsoDate, cmd: ExtensionCommand): Promise<{ deadline: string }> {
  const { state, partnerId } = run;
  const invoice = extensionTarget(state, cmd.invoiceId)!;
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

/** The grace steps due by `on` of every open invoice, each on its own clock (oldest invoice first). */
export async function graceStep(run: PartnerRun, on: IsoDate): Promise<void> {
  for (const invoice of [...openInvoices(run.state)]) {
    // An invoice voided by an earlier invoice's step (the pre-patch day 90) has no steps left.
    if (openInvoices(run.state).includes(invoice)) await invoiceGraceStep(run, invoice, on);
  }
}

async function invoiceGraceStep(run: PartnerRun, invoice: InvoiceState, on: IsoDate): Promise<void> {
  const { state, partnerId } = run;
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
    state.invoices = [];
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

/** R-CANCEL, R-GRACE downgrade: every open invoice of the partner is voided (one activity call voids them all). */
export async function voidInvoices(run: PartnerRun, on: IsoDate): Promise<void> {
  const { state, partnerId } = run;
  const { voided } = await activities.voidOpenInvoices({ partnerId, on });
  for (const invoice of openInvoices(state))
    record(run, on, 'invoice-voided', { invoiceId: invoice.id, count: voided });
  state.invoices = [];
}
