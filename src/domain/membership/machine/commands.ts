/** The partner's commands (R-UPGRADE, R-PREMIER, R-RENEWAL; R-CANCEL in ./cancellation), once checked, and their dispatch. */
import { applicationId } from '../../applications';
import { tierRank } from '../../tier-ladder';
import { membershipYearOf } from '../calendar';
import { ineligibility, reinstatableCase } from '../checks';
import type {
  ApplicationDecision,
  ApplyCommand,
  IsoDate,
  MembershipCommand,
  ReinstateCommand,
  UnfinishedDecision,
} from '../types';
import { LifecycleErrorType } from '../types';
import { Failed, Refused, type Ctx } from './ctx';
import { evidenceChanged } from './calendar';
import { cancel } from './cancellation';
import { decideCase } from './cases';
import { extend, invoiceFee, pay, sendPromoCode, settleInvoice } from './fees';
import { openInvoices } from '../invoices';
import { applicationIncident, closeApplicationIncidents, resolveIncident } from './incidents';
import { auditTierChange, changeTier, closeApplication, closeCase, refreshAtRisk } from './tier';
import type { Evaluation } from './types';

/**
 * R-UPGRADE: numbers the application, records it, starts its child. The caller is answered as soon as the
 * application is recorded (patch `apply-answers-on-accept`): the child's start and its evaluation are progress, read
 * from the application resource, not part of the command's answer.
 */
function apply(ctx: Ctx, on: IsoDate, cmd: ApplyCommand): { number: number; workflowId: string } {
  const { s, partnerId } = ctx;
  s.applicationCount += 1;
  const number = s.applicationCount;
  const workflowId = applicationId(ctx.workflowId, number);
  s.partner = { ...s.partner, feeAccountId: cmd.feeAccountId };
  ctx.call('recordApplication', {
    id: workflowId,
    partnerId,
    number,
    targetTier: cmd.targetTier,
    feeAccountId: cmd.feeAccountId,
    submittedOn: on,
    submittedBy: cmd.by,
    status: 'in-progress',
  });
  if (ctx.patched('apply-answers-on-accept')) ctx.answer({ number, workflowId });
  ctx.await({
    kind: 'start-application',
    start: {
      workflowId,
      summary: `${s.partner.name}: application #${number} for ${cmd.targetTier}`,
      partnerName: s.partner.name,
      attributes: { partnerId, track: s.partner.track, tier: s.tier, stage: 'application' },
      args: {
        partnerId,
        parentWorkflowId: ctx.workflowId,
        number,
        track: s.partner.track,
        fromTier: s.tier,
        targetTier: cmd.targetTier,
        submittedOn: on,
        submittedBy: cmd.by,
        feeAccountId: cmd.feeAccountId,
        priorMonthly: s.monthly.filter((m) => m.on <= on),
      },
    },
  });
  s.application = {
    number,
    workflowId,
    targetTier: cmd.targetTier,
    submittedOn: on,
    status: 'in-progress',
    fromTier: s.tier,
    submittedBy: cmd.by,
    feeAccountId: cmd.feeAccountId,
  };
  ctx.record(on, 'application-submitted', { number, targetTier: cmd.targetTier, by: cmd.by, workflowId });
  return { number, workflowId };
}

/** R-UPGRADE, R-PREMIER: the application's decision; an approval takes effect only while still eligible. */
function decided(ctx: Ctx, on: IsoDate, decision: ApplicationDecision): void {
  const { s } = ctx;
  closeApplicationIncidents(ctx, on, decision.number, decision.outcome);
  const application = s.application;
  if (!application || application.number !== decision.number) return;
  s.application = undefined;
  if (decision.outcome !== 'approved') return;
  const approval: Omit<UnfinishedDecision, 'incidentId'> = { decision, fromTier: s.tier, application };
  if (ctx.patched('approval-eligibility')) {
    const why = ineligibility(s, application, decision);
    if (why) approval.ineligible = why;
  }
  try {
    finishDecision(ctx, on, approval);
  } catch (error) {
    // Its incident's retry finishes the decision (it carries what is left to do).
    if (error instanceof Failed) throw new Failed(error.failure, approval);
    throw error;
  }
}

/**
 * An approval's work: the tier change and its audit, the upgrade's invoice (R-FEE: Select or above, when the
 * membership year is not paid yet), the at-risk flag; or the application closed ineligible. `failedAt` (the activity
 * that failed) when a retried incident finishes what the first run left: only what is still missing is done, and
 * nothing once the tier has moved on since.
 */
export function finishDecision(
  ctx: Ctx,
  on: IsoDate,
  approval: Omit<UnfinishedDecision, 'incidentId'>,
  failedAt?: string,
): void {
  const { s, lifecycle } = ctx;
  const { decision, ineligible } = approval;
  if (ineligible) return closeApplication(ctx, decision.decidedOn, approval.application, 'ineligible', ineligible);
  const target = decision.targetTier;
  if (failedAt === undefined) {
    s.cancelled = false;
    changeTier(ctx, decision.decidedOn, target, 'upgrade-approved', decision.by);
  } else if (s.tier !== target) return;
  else if (failedAt === 'recordTierChange') {
    auditTierChange(ctx, decision.decidedOn, approval.fromTier, target, 'upgrade-approved', decision.by);
  }
  if (tierRank(target) >= tierRank(lifecycle.programFee.fromTier)) {
    const year = membershipYearOf(s.partner.renewalDate, decision.decidedOn);
    const open = openInvoices(s).find((i) => i.membershipYear === year);
    if (open && failedAt === 'markInvoicePaid') settleInvoice(ctx, decision.decidedOn, open, 'advance-pay');
    else if (failedAt === 'sendPromoCreditCode' && s.paidMembershipYears.includes(year)) {
      sendPromoCode(ctx, decision.decidedOn, year);
    } else invoiceFee(ctx, decision.decidedOn, year, 'upgrade');
  }
  refreshAtRisk(ctx, on);
}

function reinstate(ctx: Ctx, on: IsoDate, cmd: ReinstateCommand): { tier: string } {
  const c = reinstatableCase(ctx.s, on)!;
  const result = ctx.call<Evaluation>('evaluatePartner', {
    partnerId: ctx.partnerId,
    asOf: c.reviewDate!,
    targetTier: c.fromTier,
  });
  if (result.tierMet[c.fromTier] !== true) {
    throw new Refused({
      type: LifecycleErrorType.WrongState,
      message: `evidence still does not show ${c.fromTier} compliance as of ${c.reviewDate}: ${result.gaps.join('; ')}`,
    });
  }
  changeTier(ctx, on, c.fromTier, 'reinstated', cmd.by, c.id);
  closeCase(ctx, c, on, 'reinstated');
  return { tier: c.fromTier };
}

/** Applies one command whose check passed; returns its answer. */
export function runCommand(ctx: Ctx, on: IsoDate, command: MembershipCommand): unknown {
  switch (command.kind) {
    case 'apply':
      return apply(ctx, on, command.cmd);
    case 'payment':
      return pay(ctx, on, command.cmd);
    case 'extension':
      return extend(ctx, on, command.cmd);
    case 'cancel':
      return cancel(ctx, on, command.cmd);
    case 'reinstate':
      return reinstate(ctx, on, command.cmd);
    case 'decided':
      return decided(ctx, on, command.decision);
    case 'application-incident':
      return applicationIncident(ctx, command.report);
    case 'evidence':
      return evidenceChanged(ctx, command.version);
    case 'incident':
      return resolveIncident(ctx, on, command.cmd);
    case 'decide-case':
      return decideCase(ctx, on, command.cmd);
  }
}
