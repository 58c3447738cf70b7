/** The machine's commands (R-UPGRADE, R-PREMIER, R-PAID, R-GRACE, R-CANCEL, R-RENEWAL), once their check passed. */
import { addDays } from '../../dates';
import { tierRank } from '../../tier-ladder';
import { membershipYearOf } from '../calendar';
import { ineligibility, reinstatableCase } from '../checks';
import { extensionTarget, paymentTarget, paymentVia } from '../invoices';
import type { ApplicationDecision, IsoDate, MembershipCommand } from '../types';
import { invoiceFee, runStep } from './calendar';
import * as op from './ops';
import type { Awaiting } from './types';

/** An accepted command (its check passed); returns what it awaits, if anything. */
export function command(ctx: op.Ctx, on: IsoDate, command: MembershipCommand): Awaiting | undefined {
  const { s } = ctx;
  switch (command.kind) {
    case 'apply': {
      s.applicationCount += 1;
      const number = s.applicationCount;
      const { targetTier, feeAccountId, by } = command.cmd;
      s.partner = { ...s.partner, feeAccountId };
      s.application = {
        number,
        workflowId: `application/${number}`,
        targetTier,
        submittedOn: on,
        status: 'in-progress',
        fromTier: s.tier,
        submittedBy: by,
        feeAccountId,
      };
      op.call(ctx, 'startApplication', { number, targetTier, fromTier: s.tier, submittedOn: on });
      return void op.record(ctx, on, 'application-submitted', { number, targetTier, by });
    }
    case 'payment': {
      const invoice = paymentTarget(s, command.cmd)!;
      op.call(ctx, 'recordPayment', { invoiceId: invoice.id, amount: command.cmd.amount, paidOn: on });
      return void op.settle(ctx, on, invoice, paymentVia(command.cmd), {
        ...(command.cmd.method ? { method: command.cmd.method } : {}),
        ...(command.cmd.reference ? { reference: command.cmd.reference } : {}),
      });
    }
    case 'extension': {
      const invoice = extensionTarget(s, command.cmd.invoiceId)!;
      invoice.extended = true;
      invoice.deadline = addDays(invoice.deadline, command.cmd.days);
      op.call(ctx, 'notify', { kind: 'fee-extension-granted', on, invoiceId: invoice.id });
      return void op.record(ctx, on, 'fee-extension', {
        invoiceId: invoice.id,
        days: command.cmd.days,
        deadline: invoice.deadline,
        by: command.cmd.by,
      });
    }
    case 'cancel': {
      const c = op.openCase(ctx, on, 'cancellation-requested', 'registered');
      op.changeTier(ctx, on, 'registered', 'cancellation-requested', command.cmd.by, c.id);
      op.withdrawApplication(ctx, 'cancellation-requested', command.cmd.by);
      op.voidInvoices(ctx, on);
      s.cancelled = true;
      s.cancelledOn = on;
      op.setAtRisk(ctx, on, false);
      return void op.closeCase(ctx, c, on, 'cancelled');
    }
    case 'reinstate': {
      const c = reinstatableCase(s, on)!;
      op.call(ctx, 'evaluatePartner', { asOf: c.reviewDate, targetTier: c.fromTier });
      return { step: 'reinstate', on, caseId: c.id, by: command.cmd.by };
    }
    case 'decided':
      return decided(ctx, on, command.decision);
    case 'decide-case':
      return void decideCase(ctx, on, command.cmd.caseId, command.cmd.decision, command.cmd.by, command.cmd.reason);
    case 'incident': {
      const incident = (s.incidents ?? []).find((i) => i.id === command.cmd.incidentId)!;
      s.incidents = (s.incidents ?? []).filter((i) => i !== incident);
      op.record(ctx, on, 'incident-resolved', {
        incidentId: incident.id,
        step: incident.step,
        action: command.cmd.action,
      });
      if (command.cmd.action !== 'retry') return undefined;
      if (incident.step === 'monthly-check')
        return runStep(ctx, { step: 'monthly-check', on: incident.on, what: 'retry' });
      if ((incident.step === 'renewal-review' || incident.step === 'renewal-fee') && incident.arg) {
        return runStep(ctx, { step: incident.step, on: incident.on, arg: incident.arg, what: 'retry' });
      }
      return undefined;
    }
    case 'application-incident':
    case 'evidence':
      return undefined;
  }
}

/** R-UPGRADE, R-PREMIER: the application's decision; an approval takes effect only while still eligible. */
function decided(ctx: op.Ctx, on: IsoDate, decision: ApplicationDecision): Awaiting | undefined {
  const { s, lifecycle } = ctx;
  const application = s.application;
  if (!application || application.number !== decision.number) return undefined;
  s.application = undefined;
  if (decision.outcome !== 'approved') return undefined;
  const why = ineligibility(s, application, decision);
  if (why) {
    op.call(ctx, 'recordApplication', {
      number: application.number,
      status: 'ineligible',
      decidedOn: decision.decidedOn,
    });
    return void op.record(ctx, decision.decidedOn, 'application-closed', {
      application: application.number,
      outcome: 'ineligible',
      reasons: [why],
    });
  }
  s.cancelled = false;
  op.changeTier(ctx, decision.decidedOn, decision.targetTier, 'upgrade-approved', decision.by);
  if (tierRank(decision.targetTier) < tierRank(lifecycle.programFee.fromTier)) return undefined;
  const year = membershipYearOf(s.partner.renewalDate, decision.decidedOn);
  return invoiceFee(ctx, decision.decidedOn, year, 'upgrade-fee');
}

/** R-GRACE: the Partner Manager's decision on a fee-unpaid case (downgrade voids every open invoice). */
function decideCase(ctx: op.Ctx, on: IsoDate, caseId: string, decision: string, by: string, reason: string): void {
  const { s } = ctx;
  const c = s.cases.find((x) => x.id === caseId)!;
  op.record(ctx, on, 'case-decided', { caseId, decision, reason, by });
  if (decision === 'keep') return op.closeCase(ctx, c, on, 'kept');
  op.changeTier(ctx, on, 'registered', 'fee-unpaid', by, c.id);
  op.voidInvoices(ctx, on);
  op.setAtRisk(ctx, on, false);
  op.call(ctx, 'notify', { kind: 'downgraded-fee-unpaid', on, caseId });
  op.closeCase(ctx, c, on, 'downgraded');
}
