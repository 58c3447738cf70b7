/**
 * UpgradeApplication — child of a partner's lifecycle (`partner/<id>/application/<n>`).
 * Select/Advanced (R-UPGRADE): approved when every requirement is met on the application date, else rejected with
 * every gap. Consulting Advanced → Premier (R-PREMIER): six months of sustained Premier attainment checked monthly,
 * the Partner Manager's readiness pre-assessment, then an EBR in the earliest window not yet ended (R-EBR), whose
 * outcome the Partner Manager records. The decision goes back to the partner workflow by signal, so it survives the
 * parent continuing as new.
 */
import {
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { currentEdition } from '../domain/catalog';
import { addDays } from '../domain/dates';
import type { EbrWindow } from '../domain/ebr';
import {
  checkEbrOutcome,
  checkReadiness,
  deferredEbrWindow,
  firstEbrWindow,
  isReady,
  isSustained,
  lapseReasons,
  lapsesAfterCheck,
  nextSustainedCheck,
  sustainedStreak,
} from '../domain/membership';
import { BusinessClock } from './clock';
import { applicationActivities as activities, applicationWorkflowId, enforce } from './common';
import {
  applicationDecidedSignal,
  applicationStatusQuery,
  recordEbrOutcomeUpdate,
  recordReadinessUpdate,
  withdrawApplicationSignal,
} from './definitions';
import { ApnLifecycleStage, ApnNextEbrWindow } from './search-attributes';
import type {
  ApplicationDecision,
  ApplicationOutcome,
  ApplicationStatus,
  AssessmentCommand,
  EbrOutcomeCommand,
  IsoDate,
  MonthlySummary,
  UpgradeApplicationInput,
  WithdrawCommand,
} from './types';

const lifecycle = currentEdition.lifecycle;

/** One upgrade application, from submission to decision. */
export async function upgradeApplication(input: UpgradeApplicationInput): Promise<ApplicationDecision> {
  const clock = new BusinessClock(input.clock);
  const premier = input.targetTier === 'premier';
  const checks: MonthlySummary[] = [...input.priorMonthly];
  const status: ApplicationStatus = {
    number: input.number,
    workflowId: applicationWorkflowId(input.parentWorkflowId, input.number),
    targetTier: input.targetTier,
    submittedOn: input.submittedOn,
    stage: premier ? 'sustaining' : 'evaluating',
    sustainedMonths: 0,
    gaps: [],
  };
  let seq = 0;
  let ebrOutcome: EbrOutcomeCommand | undefined;
  let readinessChanged = false;
  let withdrawal: WithdrawCommand | undefined;
  /**
   * R-PREMIER "meet and maintain": monthly checks go on until the decision and a failed one closes the application
   * `lapsed`. Applications started before this rule stopped checking at six months; their histories keep doing so.
   */
  const maintain = premier && patched('premier-meet-and-maintain');

  async function journal(on: IsoDate, type: string, data: Record<string, unknown>): Promise<void> {
    seq += 1;
    await activities.appendJournal({
      partnerId: input.partnerId,
      entries: [{ key: `${status.workflowId}#${seq}`, on, type, data: { application: input.number, ...data } }],
    });
  }
  function show(): void {
    const lines = [
      `Application #${input.number}: ${input.fromTier} → **${input.targetTier}** (submitted ${input.submittedOn} by ${input.submittedBy})`,
      `Stage: ${status.stage}`,
    ];
    if (premier) {
      lines.push(
        `Sustained Premier attainment: ${status.sustainedMonths} of ${lifecycle.sustainedAttainment.months} months`,
      );
      lines.push(`Readiness pre-assessment: ${status.readiness ? status.readiness.outcome : 'not recorded'}`);
      if (status.ebrWindow)
        lines.push(`EBR window ${status.ebrWindow.id}: ${status.ebrWindow.opensOn} → ${status.ebrWindow.closesOn}`);
    }
    setCurrentDetails(lines.join('\n'));
  }

  setHandler(applicationStatusQuery, () => status);
  setHandler(withdrawApplicationSignal, (cmd) => {
    withdrawal ??= cmd;
  });
  setHandler(
    recordReadinessUpdate,
    async (cmd: AssessmentCommand) => {
      const on = clock.today();
      status.readiness = { outcome: cmd.outcome, on, by: cmd.by, ...(cmd.notes ? { notes: cmd.notes } : {}) };
      readinessChanged = true;
      await journal(on, 'readiness-assessment', { outcome: cmd.outcome, by: cmd.by });
      return status;
    },
    {
      validator: (cmd: AssessmentCommand) => enforce(checkReadiness(status, cmd)),
    },
  );
  setHandler(
    recordEbrOutcomeUpdate,
    (cmd: EbrOutcomeCommand) => {
      ebrOutcome = cmd;
      return Promise.resolve(status);
    },
    {
      validator: (cmd: EbrOutcomeCommand) =>
        enforce(checkEbrOutcome(status, cmd, clock.today(), ebrOutcome !== undefined)),
    },
  );

  async function decide(outcome: ApplicationOutcome, reasons: string[], by: string): Promise<ApplicationDecision> {
    const decidedOn = clock.today();
    const decision: ApplicationDecision = {
      number: input.number,
      targetTier: input.targetTier,
      outcome,
      decidedOn,
      reasons,
      by,
    };
    status.decision = decision;
    status.stage = outcome;
    await activities.recordApplication({
      id: status.workflowId,
      partnerId: input.partnerId,
      number: input.number,
      targetTier: input.targetTier,
      feeAccountId: input.feeAccountId,
      submittedOn: input.submittedOn,
      submittedBy: input.submittedBy,
      status: outcome,
      decidedOn,
      gaps: reasons,
      ebrWindow: status.ebrWindow?.id,
    });
    const closed = outcome === 'approved' || outcome === 'rejected' ? `application-${outcome}` : 'application-closed';
    await journal(decidedOn, closed, {
      targetTier: input.targetTier,
      reasons,
      by,
      ...(closed === 'application-closed' ? { outcome } : {}),
    });
    await activities.notify({
      key: `${status.workflowId}#decision`,
      partnerId: input.partnerId,
      kind: `application-${outcome}`,
      recipient: 'alliance-lead',
      on: decidedOn,
      payload: { application: input.number, targetTier: input.targetTier, reasons },
    });
    show();
    await getExternalWorkflowHandle(input.parentWorkflowId).signal(applicationDecidedSignal, decision);
    return decision;
  }

  await activities.notify({
    key: `${status.workflowId}#submitted`,
    partnerId: input.partnerId,
    kind: 'application-submitted',
    recipient: 'partner-manager',
    on: input.submittedOn,
    payload: { application: input.number, targetTier: input.targetTier, by: input.submittedBy },
  });
  show();

  if (!premier) {
    // R-UPGRADE: judged on the application date, under the requirements in force.
    const result = await activities.evaluatePartner({
      partnerId: input.partnerId,
      asOf: input.submittedOn,
      targetTier: input.targetTier,
    });
    status.gaps = result.gaps;
    return result.tierMet[input.targetTier] === true
      ? await decide('approved', [], 'rules-engine')
      : await decide('rejected', result.gaps, 'rules-engine');
  }

  // R-PREMIER (1): sustained attainment, checked now and on the 1st of every month.
  const months = lifecycle.sustainedAttainment.months;
  async function check(on: IsoDate): Promise<void> {
    const result = await activities.evaluatePartner({ partnerId: input.partnerId, asOf: on, targetTier: 'premier' });
    checks.push({ on, highestTierMet: result.highestTierMet, premierMet: result.premierMet });
    const { since, months: streak } = sustainedStreak(checks, on);
    status.sustainedSince = since;
    status.sustainedMonths = streak;
    status.gaps = result.gaps;
    await journal(on, 'sustained-check', {
      premierMet: result.premierMet,
      sustainedSince: since ?? null,
      months: status.sustainedMonths,
      required: months,
      ...(result.premierMet ? {} : { gaps: result.gaps }),
    });
    show();
  }
  const sustained = () => isSustained(status, lifecycle);
  const ready = () => isReady(status);
  const withdrawn = () => withdrawal !== undefined;
  const closeWithdrawn = () => decide('withdrawn', [withdrawal!.reason], withdrawal!.by);
  const closeLapsed = () => decide('lapsed', lapseReasons(status), 'rules-engine');

  await check(input.submittedOn);
  let nextCheck = nextSustainedCheck(input.submittedOn);
  /** The monthly check that fell due (meet and maintain): false when it failed after six months were reached. */
  async function maintained(): Promise<boolean> {
    const wasSustained = sustained();
    await check(nextCheck);
    nextCheck = nextSustainedCheck(nextCheck);
    return !lapsesAfterCheck(maintain, wasSustained, status);
  }
  while (!(sustained() && ready())) {
    if (!sustained()) status.stage = 'sustaining';
    else status.stage = 'awaiting-readiness';
    show();
    readinessChanged = false;
    const checking = !sustained() || maintain;
    const woken = await clock.waitUntil(checking ? nextCheck : undefined, () => readinessChanged || withdrawn());
    if (withdrawn()) return await closeWithdrawn();
    if (!woken && checking && !(await maintained())) return await closeLapsed();
  }

  // R-PREMIER (3) / R-EBR: the earliest window not yet ended on the day (1) and (2) both hold.
  let window: EbrWindow = firstEbrWindow(clock.today(), lifecycle);
  for (;;) {
    // Cleared before the stage says 'scheduled-for-ebr': an outcome recorded while the scheduling activities below
    // still run must not be wiped out.
    ebrOutcome = undefined;
    status.ebrWindow = window;
    status.stage = 'scheduled-for-ebr';
    upsertSearchAttributes([
      { key: ApnNextEbrWindow, value: window.id },
      { key: ApnLifecycleStage, value: 'scheduled-for-ebr' },
    ]);
    await activities.recordApplication({
      id: status.workflowId,
      partnerId: input.partnerId,
      number: input.number,
      targetTier: input.targetTier,
      feeAccountId: input.feeAccountId,
      submittedOn: input.submittedOn,
      submittedBy: input.submittedBy,
      status: 'in-progress',
      ebrWindow: window.id,
    });
    await journal(clock.today(), 'ebr-scheduled', {
      window: window.id,
      opensOn: window.opensOn,
      closesOn: window.closesOn,
    });
    await activities.notify({
      key: `${status.workflowId}#ebr#${window.id}`,
      partnerId: input.partnerId,
      kind: 'ebr-scheduled',
      recipient: 'partner-manager',
      on: clock.today(),
      payload: { application: input.number, window },
    });
    show();
    // The window's last day is closesOn; with no outcome by the end of it, the EBR moves to the next window.
    const ended = addDays(window.closesOn, 1);
    for (;;) {
      const until = maintain && nextCheck < ended ? nextCheck : ended;
      const woken = await clock.waitUntil(until, () => ebrOutcome !== undefined || withdrawn());
      if (withdrawn()) return await closeWithdrawn();
      if (woken || until === ended) break;
      if (!(await maintained())) return await closeLapsed();
    }
    const outcome = ebrOutcome as EbrOutcomeCommand | undefined;
    const on = clock.today();
    await journal(on, 'ebr-outcome', {
      window: window.id,
      outcome: outcome?.outcome ?? 'no-outcome',
      ...(outcome ? { by: outcome.by } : {}),
      ...(outcome?.notes ? { notes: outcome.notes } : {}),
    });
    if (outcome?.outcome === 'approved') return await decide('approved', [], outcome.by);
    if (outcome?.outcome === 'rejected') {
      return await decide('rejected', [outcome.notes ?? 'rejected at the Executive Business Review'], outcome.by);
    }
    window = deferredEbrWindow(window, lifecycle);
  }
}
