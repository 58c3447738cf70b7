/** The machine's building blocks (R-CASE, R-GRACE, R-PAID, R-CANCEL): tier changes, cases, at-risk, invoices. */
import type { LifecycleParameters } from '../../catalog/types';
import { addDays } from '../../dates';
import { tierRank } from '../../tier-ladder';
import { feeDeadline } from '../calendar';
import { scorecardRisk } from '../checks';
import { feePaidEntry, hasOverdueInvoice, openInvoices } from '../invoices';
import { isBlocked } from '../schedule';
import type { CaseReason, CaseState, InvoiceState, IsoDate, LifecycleState, PaymentMethod, Tier } from '../types';
import type { Effect, IssuedInvoice } from './types';

/** What one step works on: the state (mutated in place on a copy) and the effects it adds. */
export interface Ctx {
  s: LifecycleState;
  effects: Effect[];
  lifecycle: LifecycleParameters;
}

export const call = (ctx: Ctx, activity: string, args: Record<string, unknown> = {}): void => {
  ctx.effects.push({ kind: 'call', activity, args });
};

export function record(ctx: Ctx, on: IsoDate, type: string, data: Record<string, unknown> = {}): void {
  ctx.s.journalSeq += 1;
  ctx.effects.push({ kind: 'journal', on, type, data });
}

export function changeTier(ctx: Ctx, on: IsoDate, to: Tier, reason: string, by: string, caseId?: string): void {
  const from = ctx.s.tier;
  if (from === to) return;
  ctx.s.tier = to;
  call(ctx, 'recordTierChange', { from, to, on, reason, by, caseId });
  record(ctx, on, 'tier-changed', { from, to, reason, by, ...(caseId ? { caseId } : {}) });
  if (tierRank(to) < tierRank(from)) withdrawApplication(ctx, reason, by);
}

/** R-PREMIER: a cancellation or downgrade withdraws the open application (its workflow closes it withdrawn). */
export function withdrawApplication(ctx: Ctx, reason: string, by: string): void {
  const application = ctx.s.application;
  if (!application) return;
  ctx.s.application = undefined;
  call(ctx, 'withdrawApplication', { number: application.number, reason, by });
}

export function openCase(
  ctx: Ctx,
  on: IsoDate,
  reason: CaseReason,
  targetTier: Tier,
  extra: Partial<CaseState> = {},
): CaseState {
  const { s } = ctx;
  s.caseSeq += 1;
  const opened: CaseState = { id: `case-${s.caseSeq}`, reason, openedOn: on, fromTier: s.tier, targetTier, ...extra };
  s.cases.push(opened);
  call(ctx, 'openCase', { reason, openedOn: on, fromTier: s.tier, targetTier });
  record(ctx, on, 'case-opened', { caseId: opened.id, reason, fromTier: opened.fromTier, targetTier });
  return opened;
}

export function closeCase(ctx: Ctx, c: CaseState, on: IsoDate, outcome: string): void {
  call(ctx, 'closeCase', { caseId: c.id, outcome, closedOn: on });
  ctx.s.cases = ctx.s.cases.filter((x) => x.id !== c.id);
  record(ctx, on, 'case-closed', { caseId: c.id, reason: c.reason, outcome });
}

export function setAtRisk(ctx: Ctx, on: IsoDate, atRisk: boolean, reason?: string): void {
  const { s } = ctx;
  if (atRisk && !s.atRisk) record(ctx, on, 'at-risk', { reason });
  if (!atRisk && s.atRisk) record(ctx, on, 'at-risk-cleared', {});
  s.atRisk = atRisk;
  s.atRiskReason = atRisk ? reason : undefined;
}

export function refreshAtRisk(ctx: Ctx, on: IsoDate): void {
  const risk = scorecardRisk(ctx.s);
  if (risk) setAtRisk(ctx, on, risk.atRisk, risk.reason);
}

/** R-FEE: whether the membership year still needs an invoice (not paid, none open for it). */
export function needsInvoice(s: LifecycleState, membershipYear: IsoDate): boolean {
  return (
    !s.paidMembershipYears.includes(membershipYear) && !openInvoices(s).some((i) => i.membershipYear === membershipYear)
  );
}

/** The issued invoice joins the open ones with its own grace clock; an Advance Pay balance settles it at once. */
export function invoiced(ctx: Ctx, on: IsoDate, membershipYear: IsoDate, reason: string, issued: IssuedInvoice): void {
  const invoice: InvoiceState = {
    id: issued.invoiceId,
    membershipYear,
    issuedOn: on,
    total: issued.total,
    payerAccountId: '',
    deadline: feeDeadline(on, ctx.lifecycle),
    remindersSent: [],
    extended: false,
  };
  ctx.s.invoices = [...openInvoices(ctx.s), invoice];
  record(ctx, on, 'fee-invoiced', { invoiceId: invoice.id, total: invoice.total, membershipYear, reason });
  if (issued.paidViaAdvancePay) settle(ctx, on, invoice, 'advance-pay');
}

/** R-PAID, R-GRACE: the invoice is paid, its promo code sent once, its fee-unpaid case closed paid. */
export function settle(
  ctx: Ctx,
  on: IsoDate,
  invoice: InvoiceState,
  via: 'payment' | 'advance-pay',
  payment: { method?: PaymentMethod; reference?: string } = {},
): void {
  const { s } = ctx;
  call(ctx, 'markInvoicePaid', { invoiceId: invoice.id, paidOn: on, via });
  s.paidMembershipYears = [...s.paidMembershipYears, invoice.membershipYear].slice(-5);
  s.invoices = openInvoices(s).filter((i) => i.id !== invoice.id);
  record(ctx, on, 'fee-paid', feePaidEntry(invoice, via, payment));
  call(ctx, 'sendPromoCreditCode', { membershipYear: invoice.membershipYear, on });
  record(ctx, on, 'promo-credit-sent', { membershipYear: invoice.membershipYear });
  if (s.atRiskReason === 'fee-unpaid' && !hasOverdueInvoice(s)) setAtRisk(ctx, on, false);
  for (const c of s.cases.filter((x) => x.reason === 'fee-unpaid' && x.invoiceId === invoice.id)) {
    closeCase(ctx, c, on, 'paid');
  }
}

export function voidInvoices(ctx: Ctx, on: IsoDate): void {
  call(ctx, 'voidOpenInvoices', { on });
  for (const invoice of openInvoices(ctx.s)) record(ctx, on, 'invoice-voided', { invoiceId: invoice.id });
  ctx.s.invoices = [];
}

/** R-GRACE: each open invoice's reminders due by `on`, then its day 90: at risk and a fee-unpaid case (no downgrade). */
export function graceStep(ctx: Ctx, on: IsoDate): void {
  const { s, lifecycle } = ctx;
  for (const invoice of openInvoices(s)) {
    for (const day of lifecycle.programFee.reminderDays) {
      const due = addDays(invoice.issuedOn, day);
      if (due > on || due >= invoice.deadline || invoice.remindersSent.includes(day)) continue;
      if (isBlocked(s, 'grace-step', due)) continue;
      call(ctx, 'notify', { kind: 'fee-reminder', on: due, invoiceId: invoice.id, day });
      invoice.remindersSent.push(day);
      record(ctx, due, 'fee-reminder', { invoiceId: invoice.id, day, deadline: invoice.deadline });
    }
    if (invoice.deadline > on || invoice.overdueSince) continue;
    const deadline = invoice.deadline;
    invoice.overdueSince = deadline;
    setAtRisk(ctx, deadline, true, 'fee-unpaid');
    const escalateOn = addDays(deadline, lifecycle.programFee.caseEscalationDays);
    const c = openCase(ctx, deadline, 'fee-unpaid', 'registered', { invoiceId: invoice.id, escalateOn });
    call(ctx, 'notify', { kind: 'fee-unpaid-case-opened', on: deadline, caseId: c.id });
  }
}

/** R-GRACE: an undecided fee-unpaid case is escalated once, never decided by the timer. */
export function escalateCases(ctx: Ctx, on: IsoDate): void {
  for (const c of ctx.s.cases) {
    if (c.reason !== 'fee-unpaid' || c.escalated || !c.escalateOn || c.escalateOn > on) continue;
    call(ctx, 'notify', { kind: 'fee-unpaid-case-escalated', on: c.escalateOn, caseId: c.id });
    c.escalated = true;
    record(ctx, c.escalateOn, 'case-escalated', { caseId: c.id, reason: c.reason });
  }
}

/** R-RENEWAL: a non-compliance case not reinstated within its window closes downgraded. */
export function expireCases(ctx: Ctx, on: IsoDate): void {
  for (const c of [...ctx.s.cases]) {
    if (c.reinstatableUntil && c.reinstatableUntil <= on) closeCase(ctx, c, c.reinstatableUntil, 'downgraded');
  }
}
