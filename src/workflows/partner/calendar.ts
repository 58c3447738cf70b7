/**
 * The partner calendar (R-PREMIER, R-RENEWAL, R-FEE): monthly checks and the look-back, renewal reviews and fees, and
 * running whatever fell due (src/domain/membership's schedule), each step guarded by incidents.
 */
import { getExternalWorkflowHandle, log, patched, workflowInfo } from '@temporalio/workflow';
import { addDays, addMonths, isIsoDate } from '../../domain/dates';
import type { DueStep } from '../../domain/membership';
import {
  LOOK_BACK_MONTHS,
  firstDueBy,
  lookBackCheckDates,
  lookBackOpen,
  renewalReviewDate,
  renewalWithoutReview,
} from '../../domain/membership';
import { tierRank } from '../../domain/tier-ladder';
import { activities, applicationWorkflowId, refuse, storeCalls } from '../common';
import { resolveApplicationStepSignal } from '../definitions';
import type { ApplicationIncidentReport, Incident, IncidentCommand, IncidentStep, IsoDate } from '../types';
import { LifecycleErrorType } from '../types';
import { addIncident, lifecycle, record, guarded, type PartnerRun } from './run';
import { changeTier, openCase, refreshAtRisk } from './tier';
import { invoiceFee, graceStep } from './fees';
import { escalateCases, expireCases } from './cases';

/** Monthly summaries kept in state: enough for sustained attainment and a readable recent history. */
const MONTHLY_KEPT = 24;
/** Steps a retried incident re-runs with their own argument (the renewal date). */
const RERUN_WITH_ARG: IncidentStep[] = ['renewal-review', 'renewal-fee'];

/**
 * The monthly scorecard check as of `on`; `lookBack` when it is evaluated retroactively (a month before
 * registration, or the registration day re-evaluated with the look-back). A check of a date already checked
 * replaces that month's summary. Returns the evidence version it read.
 */
export async function monthlyCheck(
  run: PartnerRun,
  on: IsoDate,
  lookBack?: { revision: number },
): Promise<number | null> {
  const { state, partnerId, clock } = run;
  const result = await storeCalls().evaluatePartner({ partnerId, asOf: on });
  if (!state.lastMonthlyCheck || state.lastMonthlyCheck < on) state.lastMonthlyCheck = on;
  const summary = {
    on,
    highestTierMet: result.highestTierMet,
    premierMet: result.premierMet,
    evidenceVersion: result.evidenceVersion,
  };
  state.monthly = [...state.monthly.filter((m) => m.on !== on), summary]
    .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0))
    .slice(-MONTHLY_KEPT);
  record(run, on, 'monthly-check', {
    highestTierMet: result.highestTierMet,
    premierMet: result.premierMet,
    evidenceVersion: result.evidenceVersion,
    ...(lookBack ? { lookBack: true, evaluatedOn: clock.today(), revision: lookBack.revision } : {}),
  });
  return result.evidenceVersion;
}

/**
 * A partner migrated mid-way (R-PREMIER): the months before registration are checked from the dated evidence, as
 * of each 1st (R-WINDOW ignores later items), then the registration day itself, as for any new partner. Revision 0
 * runs at registration; each evidence change before the first regular monthly check runs the next revision
 * against the evidence as it then stands, so the order in which registration and evidence arrive does not matter.
 */
export async function checkMonthsBeforeRegistration(run: PartnerRun, from: IsoDate, revision = 0): Promise<void> {
  const { state, partnerId, clock } = run;
  if (!isIsoDate(from)) refuse(LifecycleErrorType.InvalidCommand, `lookBackFrom must be a date YYYY-MM-DD: ${from}`);
  const dates = lookBackCheckDates(from, state.registeredOn);
  const clipped = from < addMonths(state.registeredOn, -LOOK_BACK_MONTHS);
  log.info('monthly look-back', { partnerId, from, checks: dates.length, clipped, revision });
  record(run, clock.today(), 'monthly-look-back', {
    requestedFrom: from,
    checks: dates.length,
    revision,
    ...(dates.length > 0 ? { firstCheck: dates[0], lastCheck: dates[dates.length - 1] } : {}),
    ...(clipped ? { clippedToMonths: LOOK_BACK_MONTHS } : {}),
  });
  if (dates.length === 0) return;
  const versions: (number | null)[] = [];
  for (const on of dates) versions.push(await monthlyCheck(run, on, { revision }));
  versions.push(await monthlyCheck(run, state.registeredOn, revision > 0 ? { revision } : undefined));
  // The oldest version read: a later change (a higher version) re-opens the evaluation; an older one does not.
  const oldest = versions.includes(null) ? null : Math.min(...(versions as number[]));
  state.lookBack = { requestedFrom: from, evidenceVersion: oldest, revisions: revision + 1 };
}

/** An evidence change while the look-back is open: re-evaluate it unless every month already read that version. */
export async function evidenceChanged(run: PartnerRun, version: number | undefined): Promise<void> {
  const { state } = run;
  const lookBack = state.lookBack;
  if (!lookBack) return;
  if (!lookBackOpen(state)) {
    state.lookBack = undefined;
    return;
  }
  if (typeof version === 'number' && lookBack.evidenceVersion !== null && version <= lookBack.evidenceVersion) return;
  await checkMonthsBeforeRegistration(run, lookBack.requestedFrom, lookBack.revisions);
}

/**
 * A calendar marker after its step ran for `renewalOn`: it only moves on. An incident retried after later renewals
 * were handled used to move it back, so those renewals were reviewed (or billed) a second time (found by the model
 * test); histories that did so keep replaying (patched).
 */
function markerMovedOn(marker: IsoDate | undefined, renewalOn: IsoDate): IsoDate {
  if (marker === undefined || renewalOn >= marker || !patched('calendar-markers-forward')) return renewalOn;
  return marker;
}

export async function renewalReview(run: PartnerRun, renewalOn: IsoDate): Promise<void> {
  const { state, partnerId } = run;
  const on = renewalReviewDate(renewalOn, lifecycle);
  state.lastRenewalReview = markerMovedOn(state.lastRenewalReview, renewalOn);
  if (state.cancelled || state.tier === 'registered') return;
  const notReviewed = renewalWithoutReview(renewalOn, lifecycle);
  // Workflows that already reviewed such a renewal before this rule keep their history (patched).
  if (notReviewed && patched('renewal-without-review')) {
    record(run, on, 'compliance-review-skipped', { tier: state.tier, renewalDate: renewalOn, why: notReviewed });
    return;
  }
  const result = await activities.evaluatePartner({ partnerId, asOf: on, targetTier: state.tier });
  const compliant = result.tierMet[state.tier] === true;
  record(run, on, 'compliance-review', {
    tier: state.tier,
    compliant,
    renewalDate: renewalOn,
    highestTierMet: result.highestTierMet,
    ...(compliant ? {} : { gaps: result.gaps }),
  });
  if (compliant) return;
  const target = result.highestTierMet;
  const c = await openCase(run, on, 'non-compliant', target, {
    reviewDate: on,
    reinstatableUntil: addDays(on, lifecycle.renewal.reinstatementWindowDays),
  });
  await changeTier(run, on, target, 'non-compliant', 'renewal-review', c.id);
  await activities.notify({
    key: `${c.id}#opened`,
    partnerId,
    kind: 'downgrade-case-opened',
    recipient: 'alliance-lead',
    on,
    payload: { caseId: c.id, from: c.fromTier, to: target, gaps: result.gaps },
  });
}

export async function renewalFee(run: PartnerRun, renewalOn: IsoDate): Promise<void> {
  const { state } = run;
  state.lastRenewalInvoice = markerMovedOn(state.lastRenewalInvoice, renewalOn);
  if (state.cancelled || tierRank(state.tier) < tierRank(lifecycle.programFee.fromTier)) return;
  await invoiceFee(run, renewalOn, renewalOn, 'renewal');
}

/** Runs one scheduled step as of its own date. */
export async function runStep(run: PartnerRun, due: DueStep): Promise<void> {
  switch (due.step) {
    case 'monthly-check':
      return void (await monthlyCheck(run, due.on));
    case 'renewal-review':
      return await renewalReview(run, due.arg!);
    case 'renewal-fee':
      return await renewalFee(run, due.arg!);
    case 'grace-step':
      return await graceStep(run, due.on);
    case 'case-end':
      return await expireCases(run, due.on);
    case 'case-escalation':
      return await escalateCases(run, due.on);
    default:
      return;
  }
}

/** Runs every scheduled item whose date has come, oldest first, each as of its own date. */
export async function runDue(run: PartnerRun): Promise<void> {
  const { state, clock } = run;
  const today = clock.today();
  for (;;) {
    const first = firstDueBy(state, lifecycle, today);
    if (!first) break;
    const done = await guarded(
      run,
      first.step,
      first.on,
      () => runStep(run, first),
      first.arg ? { arg: first.arg } : {},
    );
    // A failed monthly check is a missed month (its incident can re-run it); the next month still comes.
    if (!done && first.step === 'monthly-check') state.lastMonthlyCheck = first.on;
  }
  refreshAtRisk(run, today);
}

/**
 * An application's step failed for good (reported by its workflow, which waits): an incident on the partner, so the
 * operator sees it here (stage needs-attention, ApnNeedsAttention) and answers it with the partner's resolution.
 */
export function applicationIncident(run: PartnerRun, report: ApplicationIncidentReport): void {
  const { clock } = run;
  const { number, activity, errorType, reason, attempt } = report;
  addIncident(run, {
    step: 'application',
    on: clock.today(),
    application: number,
    activity,
    ...(errorType ? { errorType } : {}),
    reason,
    ...(attempt !== undefined ? { attempt } : {}),
  });
}

/** An application's decision arrived: incidents its steps left open are over (it no longer waits for an answer). */
export function closeApplicationIncidents(run: PartnerRun, on: IsoDate, number: number, outcome: string): void {
  for (const incident of run.incidents.filter((i) => i.step === 'application' && i.application === number)) {
    run.incidents.splice(run.incidents.indexOf(incident), 1);
    record(run, on, 'incident-resolved', { incidentId: incident.id, step: incident.step, action: 'closed', outcome });
  }
}

/**
 * Passes the operator's answer to the application waiting on it: retry runs its failed step again; dismiss closes the
 * application `withdrawn` (a new one can then be made), or skips the step when the application was already closing.
 */
async function resolveApplicationStep(run: PartnerRun, on: IsoDate, incident: Incident, cmd: IncidentCommand) {
  const { state, partnerId } = run;
  const workflowId = applicationWorkflowId(workflowInfo().workflowId, incident.application!);
  if (cmd.action === 'dismiss' && state.application?.number === incident.application) {
    // Closed on the partner's side now: the application's own closing (withdrawn) follows, and its decision is ignored.
    state.application = undefined;
  }
  try {
    await getExternalWorkflowHandle(workflowId).signal(resolveApplicationStepSignal, {
      incidentId: incident.id,
      action: cmd.action,
      by: cmd.by,
    });
  } catch (err) {
    log.warn('application step could not be resolved: its workflow is closed', { partnerId, workflowId, on, err });
  }
}

/** An operator's answer to an incident: dismiss it, or run its step again (a new incident if it fails again). */
export async function resolveIncident(
  run: PartnerRun,
  on: IsoDate,
  cmd: IncidentCommand,
): Promise<{ incidents: Incident[] }> {
  const incident = run.incidents.find((i) => i.id === cmd.incidentId)!;
  run.incidents.splice(run.incidents.indexOf(incident), 1);
  record(run, on, 'incident-resolved', {
    incidentId: incident.id,
    step: incident.step,
    action: cmd.action,
    by: cmd.by,
    ...(cmd.note ? { note: cmd.note } : {}),
  });
  if (incident.step === 'application') await resolveApplicationStep(run, on, incident, cmd);
  else if (cmd.action === 'retry') {
    // Steps whose calendar marker already moved on are run here; the others are due again and run by runDue.
    const rerun = incident.step === 'monthly-check' || (RERUN_WITH_ARG.includes(incident.step) && incident.arg);
    if (rerun) {
      const due: DueStep = { step: incident.step, on: incident.on, what: 'retry', arg: incident.arg };
      await guarded(
        run,
        incident.step,
        incident.on,
        () => runStep(run, due),
        incident.arg ? { arg: incident.arg } : {},
      );
    }
  }
  return { incidents: [...run.incidents] };
}
