/**
 * What falls due next in a partner's membership (R-RENEWAL, R-FEE, R-GRACE, R-CASE, R-PREMIER): one function of the
 * state. The workflow sleeps until the first item and runs every item whose day has come, oldest first.
 */
import type { LifecycleParameters } from '../catalog/types';
import { addDays, addMonths, addMonthsToMonth, firstDayOf, maxDate, monthOf, type IsoDate } from '../dates';
import { nextRenewalOnOrAfter, renewalReviewDate } from './calendar';
import { openInvoices } from './invoices';
import type { IncidentStep, InvoiceState, LifecycleStage, LifecycleState } from './types';

/**
 * How far before registration a look-back may reach (a project decision, docs/rules.md): twice the six months
 * R-PREMIER needs, so a migrated partner's whole streak fits with room for one failed month.
 */
export const LOOK_BACK_MONTHS = 12;

/** One scheduled step of the partner calendar. */
export interface DueStep {
  step: IncidentStep;
  on: IsoDate;
  what: string;
  /** The step's own argument when it is not `on` (the renewal date of a review or fee). */
  arg?: IsoDate;
}

/** Whether an open incident blocks `step` (of the day `on`, when given). */
export function isBlocked(state: LifecycleState, step: IncidentStep, on?: IsoDate): boolean {
  return (state.incidents ?? []).some((i) => i.step === step && (on === undefined || i.on === on));
}

const nextMonthStart = (on: IsoDate): IsoDate => firstDayOf(addMonthsToMonth(monthOf(on), 1));

/** The next monthly scorecard check; the first is on the registration day, so the standing is known at once. */
export function nextMonthlyCheck(state: LifecycleState): IsoDate {
  return state.lastMonthlyCheck ? nextMonthStart(state.lastMonthlyCheck) : state.registeredOn;
}

/** The next renewal whose fee is still to be handled (R-FEE). */
export function nextRenewalToHandle(state: LifecycleState): IsoDate {
  const from = state.lastRenewalInvoice ? addDays(state.lastRenewalInvoice, 1) : state.registeredOn;
  return nextRenewalOnOrAfter(state.partner.renewalDate, from);
}

/** The next renewal to review; at registration, also one whose review was moved past the registration date. */
export function nextReviewRenewal(state: LifecycleState, lifecycle: LifecycleParameters): IsoDate {
  const md = state.partner.renewalDate;
  if (state.lastRenewalReview) return nextRenewalOnOrAfter(md, addDays(state.lastRenewalReview, 1));
  const candidate = nextRenewalOnOrAfter(md, state.registeredOn);
  const previous = addMonths(candidate, -12);
  const movedPastRegistration =
    previous < state.registeredOn && renewalReviewDate(previous, lifecycle) >= state.registeredOn;
  return movedPastRegistration ? previous : candidate;
}

/** The day the next renewal compliance review runs. */
export function nextRenewalReviewDate(state: LifecycleState, lifecycle: LifecycleParameters): IsoDate {
  return renewalReviewDate(nextReviewRenewal(state, lifecycle), lifecycle);
}

/** The grace steps of every open invoice still to come (reminders not yet sent, then each deadline), oldest first. */
export function graceDates(state: LifecycleState, lifecycle: LifecycleParameters): IsoDate[] {
  return openInvoices(state)
    .flatMap((invoice) => invoiceGraceDates(invoice, lifecycle))
    .sort();
}

/** One invoice's grace steps still to come: its reminders not yet sent, then its deadline (none once overdue). */
export function invoiceGraceDates(invoice: InvoiceState, lifecycle: LifecycleParameters): IsoDate[] {
  if (invoice.overdueSince) return [];
  const reminders = lifecycle.programFee.reminderDays
    .filter((d) => !invoice.remindersSent.includes(d))
    .map((d) => addDays(invoice.issuedOn, d))
    .filter((d) => d < invoice.deadline);
  return [...reminders, invoice.deadline].sort();
}

/**
 * Everything scheduled, oldest first; on the same day in this order: monthly check, compliance review, fee, grace,
 * case ends, escalations. A step blocked by an open incident is left out, so the rest of the calendar goes on.
 */
export function schedule(state: LifecycleState, lifecycle: LifecycleParameters): DueStep[] {
  const reviewRenewal = nextReviewRenewal(state, lifecycle);
  const fee = nextRenewalToHandle(state);
  const caseEnd = state.cases
    .map((c) => c.reinstatableUntil)
    .filter((d): d is string => !!d)
    .sort()[0];
  const steps: (DueStep | undefined)[] = [
    { step: 'monthly-check', on: nextMonthlyCheck(state), what: 'monthly scorecard check' },
    {
      step: 'renewal-review',
      on: renewalReviewDate(reviewRenewal, lifecycle),
      arg: reviewRenewal,
      what: 'renewal compliance review',
    },
    { step: 'renewal-fee', on: fee, arg: fee, what: 'renewal fee' },
    ...graceDates(state, lifecycle).map((on): DueStep => ({ step: 'grace-step', on, what: 'fee grace step' })),
    caseEnd ? { step: 'case-end', on: caseEnd, what: 'case end' } : undefined,
    ...state.cases
      .filter((c) => c.reason === 'fee-unpaid' && !c.escalated && c.escalateOn)
      .map((c): DueStep => ({ step: 'case-escalation', on: c.escalateOn!, what: 'fee-unpaid case escalation' })),
  ];
  return steps
    .filter((s): s is DueStep => s !== undefined && !isBlocked(state, s.step, s.on))
    .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
}

/** The first scheduled step, or undefined when only a command can move the membership on. */
export function nextDue(state: LifecycleState, lifecycle: LifecycleParameters): DueStep | undefined {
  return schedule(state, lifecycle)[0];
}

/** The first step due on or before `today`, or undefined when nothing is due yet. */
export function firstDueBy(state: LifecycleState, lifecycle: LifecycleParameters, today: IsoDate): DueStep | undefined {
  const first = nextDue(state, lifecycle);
  return first && first.on <= today ? first : undefined;
}

/**
 * The look-back check dates for a partner registered on `registeredOn` (R-PREMIER, R-WINDOW): the 1st of every month
 * from the first one on or after `from` (clipped to LOOK_BACK_MONTHS before registration) up to but excluding the
 * registration day. Empty when `from` is on or after the registration day.
 */
export function lookBackCheckDates(from: IsoDate, registeredOn: IsoDate): IsoDate[] {
  const earliest = maxDate(from, addMonths(registeredOn, -LOOK_BACK_MONTHS));
  let on = firstDayOf(monthOf(earliest));
  if (on < earliest) on = nextMonthStart(on);
  const dates: IsoDate[] = [];
  for (; on < registeredOn; on = nextMonthStart(on)) dates.push(on);
  return dates;
}

/** The look-back stays open for re-evaluation until the first regular monthly check after registration. */
export function lookBackOpen(state: LifecycleState): boolean {
  return !!state.lookBack && (!state.lastMonthlyCheck || state.lastMonthlyCheck <= state.registeredOn);
}

/** The partner's stage as operators see it (search attribute ApnLifecycleStage). */
export function stageOf(state: LifecycleState): LifecycleStage {
  if (state.cancelled) return 'cancelled';
  if ((state.incidents ?? []).length > 0) return 'needs-attention';
  if (state.application?.ebrWindow) return 'awaiting-ebr';
  if (state.application) return 'applying';
  if (state.cases.length > 0) return 'downgrade-case-open';
  if (openInvoices(state).length > 0) return 'fee-grace';
  return 'active';
}
