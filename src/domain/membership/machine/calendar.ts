/**
 * The partner calendar (R-PREMIER, R-RENEWAL, R-FEE): monthly checks and the look-back, renewal reviews and fees, and
 * the step of the schedule that fell due, each guarded by incidents.
 */
import { addDays, addMonths, isIsoDate } from '../../dates';
import { tierRank } from '../../tier-ladder';
import { renewalReviewDate, renewalWithoutReview } from '../calendar';
import { cancelledOrCancelling } from '../checks';
import { LOOK_BACK_MONTHS, firstDueBy, lookBackCheckDates, lookBackOpen, type DueStep } from '../schedule';
import { LifecycleErrorType, type IsoDate } from '../types';
import { Refused, guarded, type Ctx } from './ctx';
import { escalateCases, expireCases } from './cases';
import { graceStep, invoiceFee } from './fees';
import { changeTier, openCase, refreshAtRisk } from './tier';
import type { Evaluation } from './types';

/** Monthly summaries kept in state: enough for sustained attainment and a readable recent history. */
const MONTHLY_KEPT = 24;

/**
 * The monthly scorecard check as of `on`; `lookBack` when it is evaluated retroactively (a month before
 * registration, or the registration day re-evaluated with the look-back). A check of a date already checked
 * replaces that month's summary. Returns the evidence version it read.
 */
export function monthlyCheck(ctx: Ctx, on: IsoDate, lookBack?: { revision: number }): number | null {
  const { s, partnerId } = ctx;
  const result = ctx.call<Evaluation>('evaluatePartner', { partnerId, asOf: on });
  if (!s.lastMonthlyCheck || s.lastMonthlyCheck < on) s.lastMonthlyCheck = on;
  const summary = {
    on,
    highestTierMet: result.highestTierMet,
    premierMet: result.premierMet,
    evidenceVersion: result.evidenceVersion,
  };
  s.monthly = [...s.monthly.filter((m) => m.on !== on), summary]
    .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0))
    .slice(-MONTHLY_KEPT);
  ctx.record(on, 'monthly-check', {
    highestTierMet: result.highestTierMet,
    premierMet: result.premierMet,
    evidenceVersion: result.evidenceVersion,
    ...(lookBack ? { lookBack: true, evaluatedOn: ctx.today(), revision: lookBack.revision } : {}),
  });
  return result.evidenceVersion ?? null;
}

/**
 * A partner migrated mid-way (R-PREMIER): the months before registration are checked from the dated evidence, as
 * of each 1st (R-WINDOW ignores later items), then the registration day itself, as for any new partner. Revision 0
 * runs at registration; each evidence change before the first regular monthly check runs the next revision
 * against the evidence as it then stands, so the order in which registration and evidence arrive does not matter.
 */
export function checkMonthsBeforeRegistration(ctx: Ctx, from: IsoDate, revision = 0): void {
  const { s, partnerId } = ctx;
  if (!isIsoDate(from)) {
    throw new Refused({
      type: LifecycleErrorType.InvalidCommand,
      message: `lookBackFrom must be a date YYYY-MM-DD: ${from}`,
    });
  }
  const dates = lookBackCheckDates(from, s.registeredOn);
  const clipped = from < addMonths(s.registeredOn, -LOOK_BACK_MONTHS);
  ctx.log('info', 'monthly look-back', { partnerId, from, checks: dates.length, clipped, revision });
  ctx.record(ctx.today(), 'monthly-look-back', {
    requestedFrom: from,
    checks: dates.length,
    revision,
    ...(dates.length > 0 ? { firstCheck: dates[0], lastCheck: dates[dates.length - 1] } : {}),
    ...(clipped ? { clippedToMonths: LOOK_BACK_MONTHS } : {}),
  });
  if (dates.length === 0) return;
  const versions: (number | null)[] = [];
  for (const on of dates) versions.push(monthlyCheck(ctx, on, { revision }));
  versions.push(monthlyCheck(ctx, s.registeredOn, revision > 0 ? { revision } : undefined));
  // The oldest version read: a later change (a higher version) re-opens the evaluation; an older one does not.
  const oldest = versions.includes(null) ? null : Math.min(...(versions as number[]));
  s.lookBack = { requestedFrom: from, evidenceVersion: oldest, revisions: revision + 1 };
}

/** An evidence change while the look-back is open: re-evaluate it unless every month already read that version. */
export function evidenceChanged(ctx: Ctx, version: number | undefined): void {
  const { s } = ctx;
  const lookBack = s.lookBack;
  if (!lookBack) return;
  if (!lookBackOpen(s)) {
    s.lookBack = undefined;
    return;
  }
  if (typeof version === 'number' && lookBack.evidenceVersion !== null && version <= lookBack.evidenceVersion) return;
  checkMonthsBeforeRegistration(ctx, lookBack.requestedFrom, lookBack.revisions);
}

/**
 * A calendar marker after its step ran for `renewalOn`: it only moves on. An incident retried after later renewals
 * were handled used to move it back, so those renewals were reviewed (or billed) a second time (found by the model
 * test); histories that did so keep replaying (patched).
 */
function markerMovedOn(ctx: Ctx, marker: IsoDate | undefined, renewalOn: IsoDate): IsoDate {
  if (marker === undefined || renewalOn >= marker || !ctx.patched('calendar-markers-forward')) return renewalOn;
  return marker;
}

export function renewalReview(ctx: Ctx, renewalOn: IsoDate): void {
  const { s, partnerId, lifecycle } = ctx;
  const on = renewalReviewDate(renewalOn, lifecycle);
  s.lastRenewalReview = markerMovedOn(ctx, s.lastRenewalReview, renewalOn);
  if (cancelledOrCancelling(s) || s.tier === 'registered') return;
  const notReviewed = renewalWithoutReview(renewalOn, lifecycle);
  // Workflows that already reviewed such a renewal before this rule keep their history (patched).
  if (notReviewed && ctx.patched('renewal-without-review')) {
    return ctx.record(on, 'compliance-review-skipped', { tier: s.tier, renewalDate: renewalOn, why: notReviewed });
  }
  const result = ctx.call<Evaluation>('evaluatePartner', { partnerId, asOf: on, targetTier: s.tier });
  const compliant = result.tierMet[s.tier] === true;
  ctx.record(on, 'compliance-review', {
    tier: s.tier,
    compliant,
    renewalDate: renewalOn,
    highestTierMet: result.highestTierMet,
    ...(compliant ? {} : { gaps: result.gaps }),
  });
  if (compliant) return;
  const target = result.highestTierMet;
  const c = openCase(ctx, on, 'non-compliant', target, {
    reviewDate: on,
    reinstatableUntil: addDays(on, lifecycle.renewal.reinstatementWindowDays),
  });
  changeTier(ctx, on, target, 'non-compliant', 'renewal-review', c.id);
  ctx.call('notify', {
    key: `${c.id}#opened`,
    partnerId,
    kind: 'downgrade-case-opened',
    recipient: 'alliance-lead',
    on,
    payload: { caseId: c.id, from: c.fromTier, to: target, gaps: result.gaps },
  });
}

export function renewalFee(ctx: Ctx, renewalOn: IsoDate): void {
  const { s, lifecycle } = ctx;
  s.lastRenewalInvoice = markerMovedOn(ctx, s.lastRenewalInvoice, renewalOn);
  if (cancelledOrCancelling(s) || tierRank(s.tier) < tierRank(lifecycle.programFee.fromTier)) return;
  invoiceFee(ctx, renewalOn, renewalOn, 'renewal');
}

/** Runs one scheduled step as of its own date. */
export function runStep(ctx: Ctx, due: DueStep): void {
  switch (due.step) {
    case 'monthly-check':
      return void monthlyCheck(ctx, due.on);
    case 'renewal-review':
      return renewalReview(ctx, due.arg!);
    case 'renewal-fee':
      return renewalFee(ctx, due.arg!);
    case 'grace-step':
      return graceStep(ctx, due.on);
    case 'case-end':
      return expireCases(ctx, due.on);
    case 'case-escalation':
      return escalateCases(ctx, due.on);
    default:
      return;
  }
}

/**
 * The timer: the first scheduled step due by `by`, as of its own date (a failure is an incident; a failed monthly
 * check is a missed month, which its incident can re-run, and the next month still comes). With nothing due, the
 * at-risk flag is brought up to date. Returns whether a step ran.
 */
export function timer(ctx: Ctx, by: IsoDate): boolean {
  const { s, lifecycle } = ctx;
  const first = firstDueBy(s, lifecycle, by);
  if (!first) {
    refreshAtRisk(ctx, by);
    return false;
  }
  const done = guarded(ctx, first.step, first.on, () => runStep(ctx, first), first.arg ? { arg: first.arg } : {});
  if (!done && first.step === 'monthly-check') s.lastMonthlyCheck = first.on;
  return true;
}
