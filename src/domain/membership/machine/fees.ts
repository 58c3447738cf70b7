/** The program fee (R-FEE, R-PAID, R-GRACE): invoices, payments, extensions, reminders and day 90. */
import { addDays } from '../../dates';
import { feeDeadline } from '../calendar';
import { extensionTarget, feePaidEntry, hasOverdueInvoice, openInvoices, paymentTarget, paymentVia } from '../invoices';
import { isBlocked } from '../schedule';
import type { ExtensionCommand, InvoiceState, IsoDate, PaymentCommand, PaymentMethod } from '../types';
import type { Ctx } from './ctx';
import { changeTier, closeCase, openCase, setAtRisk } from './tier';
import type { IssuedInvoice } from './types';

export function invoiceFee(ctx: Ctx, on: IsoDate, membershipYear: IsoDate, reason: 'renewal' | 'upgrade'): void {
  const { s, partnerId, lifecycle } = ctx;
  if (s.paidMembershipYears.includes(membershipYear)) return;
  if (openInvoices(s).some((i) => i.membershipYear === membershipYear)) return;
  const issued = ctx.call<IssuedInvoice>('issueFeeInvoice', { partnerId, membershipYear, reason, on });
  const invoice: InvoiceState = {
    id: issued.invoiceId,
    membershipYear,
    issuedOn: on,
    total: issued.total,
    payerAccountId: issued.payerAccountId ?? '',
    deadline: feeDeadline(on, lifecycle),
    remindersSent: [],
    extended: false,
  };
  // Every open invoice is kept with its own clock; workflows that issued an invoice before the list existed replay
  // their history, in which a new invoice replaced the open one.
  s.invoices = ctx.patched('invoice-list') ? [...openInvoices(s), invoice] : [invoice];
  ctx.record(on, 'fee-invoiced', {
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
  if (issued.paidViaAdvancePay) settleInvoice(ctx, on, invoice, 'advance-pay');
}

/** R-PAID: the promotional credit code goes to the Alliance Lead once per paid membership year. */
export function sendPromoCode(ctx: Ctx, on: IsoDate, membershipYear: IsoDate): void {
  const { partnerId } = ctx;
  ctx.call('sendPromoCreditCode', { key: `${partnerId}#promo#${membershipYear}`, partnerId, membershipYear, on });
  ctx.record(on, 'promo-credit-sent', { membershipYear });
}

/** R-PAID, R-GRACE: the invoice is paid, its promo code sent once, its fee-unpaid case closed paid. */
export function settleInvoice(
  ctx: Ctx,
  on: IsoDate,
  invoice: InvoiceState,
  via: 'payment' | 'advance-pay',
  payment: { method?: PaymentMethod; reference?: string } = {},
): void {
  const { s } = ctx;
  ctx.call('markInvoicePaid', { invoiceId: invoice.id, paidOn: on, via });
  s.paidMembershipYears = [...s.paidMembershipYears, invoice.membershipYear].slice(-5);
  s.invoices = openInvoices(s).filter((i) => i.id !== invoice.id);
  ctx.record(on, 'fee-paid', feePaidEntry(invoice, via, payment));
  sendPromoCode(ctx, on, invoice.membershipYear);
  // At risk for an unpaid fee until no open invoice is past its deadline (R-GRACE).
  if (s.atRiskReason === 'fee-unpaid' && !hasOverdueInvoice(s)) setAtRisk(ctx, on, false);
  for (const c of s.cases.filter((x) => x.reason === 'fee-unpaid' && x.invoiceId === invoice.id)) {
    closeCase(ctx, c, on, 'paid');
  }
}

export function pay(ctx: Ctx, on: IsoDate, cmd: PaymentCommand): { invoiceId: string; paidOn: string } {
  const invoice = paymentTarget(ctx.s, cmd)!;
  ctx.call('recordPayment', { invoiceId: invoice.id, amount: cmd.amount, paidOn: on });
  // Advance Pay applied when funds arrived during grace (R-ADVANCE-PAY) reaches the lifecycle as a payment.
  settleInvoice(ctx, on, invoice, paymentVia(cmd), {
    ...(cmd.method ? { method: cmd.method } : {}),
    ...(cmd.reference ? { reference: cmd.reference } : {}),
  });
  return { invoiceId: invoice.id, paidOn: on };
}

export function extend(ctx: Ctx, on: IsoDate, cmd: ExtensionCommand): { deadline: string } {
  const invoice = extensionTarget(ctx.s, cmd.invoiceId)!;
  invoice.extended = true;
  invoice.deadline = addDays(invoice.deadline, cmd.days);
  ctx.call('notify', {
    key: `${invoice.id}#extension`,
    partnerId: ctx.partnerId,
    kind: 'fee-extension-granted',
    recipient: 'alliance-lead',
    on,
    payload: { invoiceId: invoice.id, deadline: invoice.deadline, by: cmd.by },
  });
  ctx.record(on, 'fee-extension', { invoiceId: invoice.id, days: cmd.days, deadline: invoice.deadline, by: cmd.by });
  return { deadline: invoice.deadline };
}

/** The grace steps due by `on` of every open invoice, each on its own clock (oldest invoice first). */
export function graceStep(ctx: Ctx, on: IsoDate): void {
  for (const invoice of [...openInvoices(ctx.s)]) {
    // An invoice voided by an earlier invoice's step (the pre-patch day 90) has no steps left.
    if (openInvoices(ctx.s).includes(invoice)) invoiceGraceStep(ctx, invoice, on);
  }
}

function invoiceGraceStep(ctx: Ctx, invoice: InvoiceState, on: IsoDate): void {
  const { s, partnerId, lifecycle } = ctx;
  for (const day of lifecycle.programFee.reminderDays) {
    const due = addDays(invoice.issuedOn, day);
    if (due > on || due >= invoice.deadline || invoice.remindersSent.includes(day)) continue;
    if (isBlocked(s, 'grace-step', due)) continue;
    ctx.call('notify', {
      key: `${invoice.id}#reminder#${day}`,
      partnerId,
      kind: 'fee-reminder',
      recipient: 'alliance-lead',
      on: due,
      payload: { invoiceId: invoice.id, day, deadline: invoice.deadline, total: invoice.total },
    });
    // Marked sent once it went out: a failed reminder stays due, blocked by its incident until retried.
    invoice.remindersSent.push(day);
    ctx.record(due, 'fee-reminder', { invoiceId: invoice.id, day, deadline: invoice.deadline });
  }
  if (invoice.deadline > on || invoice.overdueSince) return;
  // Day 90 whose step failed waits for its incident, also when another invoice's step runs today (the model test
  // found it run as a side effect, behind later steps); histories from before keep replaying (patched).
  if (isBlocked(s, 'grace-step', invoice.deadline) && ctx.patched('grace-blocked-day-90')) return;
  if (ctx.patched('fee-unpaid-case-decided')) feeOverdue(ctx, invoice);
  else downgradeAtDay90(ctx, invoice);
}

/**
 * R-GRACE day 90, unpaid: the partner is at risk for downgrade — not downgraded. A fee-unpaid case opens for the
 * Partner Manager to decide (downgrade or keep); the invoice stays open and can still be paid.
 */
function feeOverdue(ctx: Ctx, invoice: InvoiceState): void {
  const deadline = invoice.deadline;
  invoice.overdueSince = deadline;
  setAtRisk(ctx, deadline, true, 'fee-unpaid');
  const c = openCase(ctx, deadline, 'fee-unpaid', 'registered', {
    invoiceId: invoice.id,
    escalateOn: addDays(deadline, ctx.lifecycle.programFee.caseEscalationDays),
  });
  for (const recipient of ['partner-manager', 'alliance-lead']) {
    ctx.call('notify', {
      key: `${c.id}#opened#${recipient}`,
      partnerId: ctx.partnerId,
      kind: 'fee-unpaid-case-opened',
      recipient,
      on: deadline,
      payload: { caseId: c.id, invoiceId: invoice.id, total: invoice.total, decideBy: c.escalateOn },
    });
  }
}

/** Day 90 as it was before the Partner Manager decided fee-unpaid cases: histories from then keep replaying. */
function downgradeAtDay90(ctx: Ctx, invoice: InvoiceState): void {
  const { s, partnerId } = ctx;
  const deadline = invoice.deadline;
  setAtRisk(ctx, deadline, true, 'fee-unpaid');
  const c = openCase(ctx, deadline, 'fee-unpaid', 'registered');
  changeTier(ctx, deadline, 'registered', 'fee-unpaid', 'fee-grace', c.id);
  ctx.call('voidOpenInvoices', { partnerId, on: deadline });
  ctx.record(deadline, 'invoice-voided', { invoiceId: invoice.id });
  s.invoices = [];
  ctx.call('notify', {
    key: `${c.id}#opened`,
    partnerId,
    kind: 'downgraded-fee-unpaid',
    recipient: 'alliance-lead',
    on: deadline,
    payload: { caseId: c.id, invoiceId: invoice.id },
  });
  closeCase(ctx, c, deadline, 'downgraded-to-registered');
  setAtRisk(ctx, deadline, false);
}

/**
 * R-CANCEL, R-GRACE downgrade: every open invoice of the partner is voided (one activity call voids them all). A
 * fee-unpaid case is about its invoice: once that is voided there is nothing left to decide, so the case closes with
 * the outcome that voided it (`except`: the case being decided, which its decision closes). Workflows that voided
 * invoices before this rule kept such cases open; their histories replay (patched).
 */
export function voidInvoices(ctx: Ctx, on: IsoDate, outcome: 'cancelled' | 'downgraded', except?: string): void {
  const { s, partnerId } = ctx;
  const voidedIds = openInvoices(s).map((i) => i.id);
  const { voided } = ctx.call<{ voided: number }>('voidOpenInvoices', { partnerId, on });
  for (const id of voidedIds) ctx.record(on, 'invoice-voided', { invoiceId: id, count: voided });
  s.invoices = [];
  const orphans = s.cases.filter(
    (c) => c.reason === 'fee-unpaid' && c.id !== except && c.invoiceId !== undefined && voidedIds.includes(c.invoiceId),
  );
  if (orphans.length === 0 || !ctx.patched('voided-invoice-cases-close')) return;
  for (const c of orphans) closeCase(ctx, c, on, outcome);
}
