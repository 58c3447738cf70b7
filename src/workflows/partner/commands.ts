/** The partner's commands (R-UPGRADE, R-PREMIER, R-CANCEL, R-RENEWAL) and the dispatch of every queued command. */
import {
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  patched,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ineligibility,
  membershipYearOf,
  reinstatableCase,
  checkCommand,
  type MembershipCommand,
} from '../../domain/membership';
import { tierRank } from '../../domain/tier-ladder';
import { activities, applicationWorkflowId, enforce } from '../common';
import { ApnLifecycleStage, ApnPartnerId, ApnTier, ApnTrack } from '../search-attributes';
import type { ApplicationDecision, ApplyCommand, CancellationCommand, IsoDate, ReinstateCommand } from '../types';
import { LifecycleErrorType } from '../types';
import { upgradeApplication } from '../upgrade-application';
import { lifecycle, record, type PartnerRun } from './run';
import {
  changeTier,
  openCase,
  closeCase,
  setAtRisk,
  refreshAtRisk,
  closeApplication,
  withdrawApplication,
} from './tier';
import { invoiceFee, pay, extend, voidInvoices } from './fees';
import { decideCase } from './cases';
import { applicationIncident, closeApplicationIncidents, evidenceChanged, resolveIncident } from './calendar';

/**
 * R-UPGRADE: numbers the application, records it, starts its child. `accepted` answers the caller's Update as soon
 * as the application is recorded (new histories, patch `apply-answers-on-accept`): the child's start and its
 * evaluation are progress, read from the application resource, not part of the command's answer.
 */
export async function apply(
  run: PartnerRun,
  on: IsoDate,
  cmd: ApplyCommand,
  accepted?: (answer: { number: number; workflowId: string }) => void,
): Promise<{ number: number; workflowId: string }> {
  const { state, partnerId, clock } = run;
  state.applicationCount += 1;
  const number = state.applicationCount;
  const workflowId = applicationWorkflowId(workflowInfo().workflowId, number);
  state.partner = { ...state.partner, feeAccountId: cmd.feeAccountId };
  await activities.recordApplication({
    id: workflowId,
    partnerId,
    number,
    targetTier: cmd.targetTier,
    feeAccountId: cmd.feeAccountId,
    submittedOn: on,
    submittedBy: cmd.by,
    status: 'in-progress',
  });
  if (accepted && patched('apply-answers-on-accept')) accepted({ number, workflowId });
  await startChild(upgradeApplication, {
    workflowId,
    // The application outlives any one run of this workflow (continue-as-new); it reports back by signal.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    staticSummary: `${state.partner.name}: application #${number} for ${cmd.targetTier}`,
    memo: { partnerName: state.partner.name },
    typedSearchAttributes: [
      { key: ApnPartnerId, value: partnerId },
      { key: ApnTrack, value: state.partner.track },
      { key: ApnTier, value: state.tier },
      { key: ApnLifecycleStage, value: 'application' },
    ],
    args: [
      {
        partnerId,
        parentWorkflowId: workflowInfo().workflowId,
        number,
        track: state.partner.track,
        fromTier: state.tier,
        targetTier: cmd.targetTier,
        submittedOn: on,
        submittedBy: cmd.by,
        feeAccountId: cmd.feeAccountId,
        priorMonthly: state.monthly.filter((m) => m.on <= on),
        clock: { offsetMs: clock.offsetMs },
      },
    ],
  });
  state.application = {
    number,
    workflowId,
    targetTier: cmd.targetTier,
    submittedOn: on,
    status: 'in-progress',
    fromTier: state.tier,
    submittedBy: cmd.by,
    feeAccountId: cmd.feeAccountId,
  };
  record(run, on, 'application-submitted', { number, targetTier: cmd.targetTier, by: cmd.by, workflowId });
  return { number, workflowId };
}

export async function decided(run: PartnerRun, on: IsoDate, decision: ApplicationDecision): Promise<void> {
  const { state } = run;
  closeApplicationIncidents(run, on, decision.number, decision.outcome);
  const application = state.application;
  if (!application || application.number !== decision.number) return;
  state.application = undefined;
  if (decision.outcome !== 'approved') return;
  if (patched('approval-eligibility')) {
    const why = ineligibility(state, application, decision);
    if (why) return await closeApplication(run, decision.decidedOn, application, 'ineligible', why);
  }
  state.cancelled = false;
  await changeTier(run, decision.decidedOn, decision.targetTier, 'upgrade-approved', decision.by);
  // R-FEE: an upgrade to Select or above is invoiced when the current membership year is not paid yet.
  if (tierRank(decision.targetTier) >= tierRank(lifecycle.programFee.fromTier)) {
    await invoiceFee(
      run,
      decision.decidedOn,
      membershipYearOf(state.partner.renewalDate, decision.decidedOn),
      'upgrade',
    );
  }
  refreshAtRisk(run, on);
}

export async function cancel(run: PartnerRun, on: IsoDate, cmd: CancellationCommand): Promise<{ caseId: string }> {
  const { state } = run;
  const c = await openCase(run, on, 'cancellation-requested', 'registered');
  await changeTier(run, on, 'registered', 'cancellation-requested', cmd.by, c.id);
  // R-CANCEL, R-PREMIER: a cancellation closes the open application withdrawn also when the tier did not drop (a
  // registered partner's); workflows that cancelled so before this fix keep their recorded history.
  if (state.application && patched('cancel-withdraws-application')) {
    await withdrawApplication(run, on, 'cancellation-requested', cmd.by);
  }
  await voidInvoices(run, on);
  state.cancelled = true;
  state.cancelledOn = on;
  setAtRisk(run, on, false);
  await closeCase(run, c, on, 'cancelled');
  return { caseId: c.id };
}

export async function reinstate(run: PartnerRun, on: IsoDate, cmd: ReinstateCommand): Promise<{ tier: string }> {
  const { state, partnerId } = run;
  const c = reinstatableCase(state, on)!;
  const result = await activities.evaluatePartner({ partnerId, asOf: c.reviewDate!, targetTier: c.fromTier });
  if (result.tierMet[c.fromTier] !== true) {
    throw ApplicationFailure.create({
      type: LifecycleErrorType.WrongState,
      nonRetryable: true,
      message: `evidence still does not show ${c.fromTier} compliance as of ${c.reviewDate}: ${result.gaps.join('; ')}`,
    });
  }
  await changeTier(run, on, c.fromTier, 'reinstated', cmd.by, c.id);
  await closeCase(run, c, on, 'reinstated');
  return { tier: c.fromTier };
}

/** Applies one command; `accepted` lets a command answer its caller before its work is done (see `apply`). */
export async function runCommand(
  run: PartnerRun,
  command: MembershipCommand,
  accepted?: (answer: unknown) => void,
): Promise<unknown> {
  const { state, clock } = run;
  const on = clock.today();
  enforce(checkCommand(state, command, on, lifecycle));
  switch (command.kind) {
    case 'apply':
      return await apply(run, on, command.cmd, accepted);
    case 'payment':
      return await pay(run, on, command.cmd);
    case 'extension':
      return await extend(run, on, command.cmd);
    case 'cancel':
      return await cancel(run, on, command.cmd);
    case 'reinstate':
      return await reinstate(run, on, command.cmd);
    case 'decided':
      return await decided(run, on, command.decision);
    case 'application-incident':
      return void applicationIncident(run, command.report);
    case 'evidence':
      return await evidenceChanged(run, command.version);
    case 'incident':
      return await resolveIncident(run, on, command.cmd);
    case 'decide-case':
      return await decideCase(run, on, command.cmd);
  }
}
