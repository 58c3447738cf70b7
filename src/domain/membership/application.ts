/**
 * An upgrade application's steps (R-UPGRADE, R-PREMIER, R-EBR): the sustained streak, readiness, EBR scheduling and
 * deferral, the lapse rule, and the checks of the Partner Manager's commands. Pure functions of the application's
 * status and the day.
 */
import type { LifecycleParameters } from '../catalog/types';
import { addMonths, addMonthsToMonth, firstDayOf, monthOf, type IsoDate } from '../dates';
import { ebrWindowFor, nextEbrWindow, type EbrWindow } from '../ebr';
import type { Refusal } from './checks';
import {
  LifecycleErrorType,
  type ApplicationStatus,
  type AssessmentCommand,
  type EbrOutcomeCommand,
  type MonthlySummary,
} from './types';

/**
 * The start of the current run of consecutive passing checks, or undefined when the latest check failed.
 * R-PREMIER: one failed check restarts the count.
 */
export function sustainedSince(checks: readonly MonthlySummary[]): IsoDate | undefined {
  let since: IsoDate | undefined;
  for (const check of checks) since = check.premierMet ? (since ?? check.on) : undefined;
  return since;
}

/** Whole calendar months from `from` to `to`. */
export function wholeMonths(from: IsoDate, to: IsoDate): number {
  let n = 0;
  while (addMonths(from, n + 1) <= to) n += 1;
  return n;
}

/** The sustained streak as of the check of `on` (the latest in `checks`). */
export function sustainedStreak(
  checks: readonly MonthlySummary[],
  on: IsoDate,
): { since: IsoDate | undefined; months: number } {
  const since = sustainedSince(checks);
  return { since, months: since ? wholeMonths(since, on) : 0 };
}

/** The 1st of the month after `on`: when the next sustained check falls due. */
export function nextSustainedCheck(on: IsoDate): IsoDate {
  return firstDayOf(addMonthsToMonth(monthOf(on), 1));
}

/** R-PREMIER (1): six months (the catalog's) of sustained attainment. */
export function isSustained(status: ApplicationStatus, lifecycle: LifecycleParameters): boolean {
  return status.sustainedMonths >= lifecycle.sustainedAttainment.months;
}

/** R-PREMIER (2): the Partner Manager's readiness pre-assessment passed. */
export function isReady(status: ApplicationStatus): boolean {
  return status.readiness?.outcome === 'passed';
}

/**
 * R-PREMIER meet and maintain: a check that fails once six months were reached closes the application `lapsed`
 * (before six months, a failed check only restarts the streak).
 */
export function lapsesAfterCheck(maintain: boolean, wasSustained: boolean, status: ApplicationStatus): boolean {
  return maintain && wasSustained && status.sustainedMonths === 0;
}

/** Why an application lapsed: the gaps of the check that failed. */
export function lapseReasons(status: ApplicationStatus): string[] {
  return status.gaps.length > 0 ? status.gaps : ['a monthly check no longer met Premier'];
}

/** R-EBR: the EBR goes to the earliest window not yet ended on the day (1) and (2) both hold. */
export function firstEbrWindow(today: IsoDate, lifecycle: LifecycleParameters): EbrWindow {
  return ebrWindowFor(today, lifecycle.ebrCalendar);
}

/** R-EBR: a deferral, or a window that ended without an outcome, moves the EBR to the next window. */
export function deferredEbrWindow(window: EbrWindow, lifecycle: LifecycleParameters): EbrWindow {
  return nextEbrWindow(window.id, lifecycle.ebrCalendar);
}

const wrongState = (message: string): Refusal => ({ type: LifecycleErrorType.WrongState, message });
const invalid = (message: string): Refusal => ({ type: LifecycleErrorType.InvalidCommand, message });

/** R-PREMIER (2): a readiness pre-assessment is recorded for an open Premier application not yet scheduled. */
export function checkReadiness(status: ApplicationStatus, cmd: AssessmentCommand): Refusal | undefined {
  if (status.targetTier !== 'premier') return wrongState('readiness pre-assessments are for Premier applications only');
  if (status.decision) return wrongState(`the application was already ${status.decision.outcome}`);
  if (status.ebrWindow) return wrongState('the application is already scheduled for an EBR');
  if (cmd?.outcome !== 'passed' && cmd?.outcome !== 'failed') return invalid("outcome must be 'passed' or 'failed'");
  return undefined;
}

/** R-PREMIER (3): an EBR outcome is recorded once, for a scheduled EBR whose window has opened. */
export function checkEbrOutcome(
  status: ApplicationStatus,
  cmd: EbrOutcomeCommand,
  today: IsoDate,
  pending: boolean,
): Refusal | undefined {
  if (status.targetTier !== 'premier') return wrongState('EBR outcomes are for Premier applications only');
  if (status.decision) return wrongState(`the application was already ${status.decision.outcome}`);
  const window = status.ebrWindow;
  if (!window || status.stage !== 'scheduled-for-ebr') return wrongState('no EBR is scheduled for this application');
  if (today < window.opensOn) return wrongState(`EBR window ${window.id} opens on ${window.opensOn}`);
  if (pending) return wrongState('an EBR outcome is already being recorded');
  if (!['approved', 'rejected', 'deferred'].includes(cmd?.outcome)) {
    return invalid("outcome must be 'approved', 'rejected' or 'deferred'");
  }
  return undefined;
}
