/**
 * The reducer: `step(state, date, input) → { state, effects }`. The same schedule (../schedule), checks (../checks)
 * and invoice rules (../invoices) the workflow shell delegates to decide here; the shell (or a test) performs the
 * effects and feeds back the awaited activity's outcome as the next input.
 */
import type { LifecycleParameters } from '../../catalog/types';
import { addDays, maxDate } from '../../dates';
import { tierRank } from '../../tier-ladder';
import { membershipYearOf, renewalReviewDate, renewalWithoutReview } from '../calendar';
import { checkCommand, ineligibility, reinstatableCase } from '../checks';
import { extensionTarget, migrateState, paymentTarget } from '../invoices';
import { firstDueBy, stageOf, type DueStep } from '../schedule';
import { LifecycleErrorType, type ApplicationDecision, type IsoDate, type MembershipCommand } from '../types';
import * as op from './ops';
import {
  incidentStepOf,
  type Awaiting,
  type Evaluation,
  type MachineInput,
  type MachineState,
  type StepResult,
} from './types';

const MONTHLY_KEPT = 24;

/** One input, as of `date`; the state given is not changed. */
export function step(
  state: MachineState,
  date: IsoDate,
  input: MachineInput,
  lifecycle: LifecycleParameters,
): StepResult {
  const next: MachineState = structuredClone(state);
  migrateState(next.membership);
  const ctx: op.Ctx = { s: next.membership, effects: [], lifecycle };
  const result = (refusal?: StepResult['refusal']): StepResult => {
    const s = next.membership;
    ctx.effects.push({
      kind: 'search-attributes',
      tier: s.tier,
      stage: stageOf(s),
      atRisk: s.atRisk,
      needsAttention: (s.incidents ?? []).length > 0,
    });
    const idle = !next.awaiting && firstDueBy(s, lifecycle, date) === undefined;
    // A refused command changes nothing; a refusal on an activity's outcome (reinstatement) keeps what was done.
    const revert = refusal !== undefined && input.kind === 'command';
    return {
      state: revert ? state : next,
      effects: revert ? [] : ctx.effects,
      idle,
      ...(refusal ? { refusal } : {}),
    };
  };
  if (next.awaiting && input.kind !== 'evaluated' && input.kind !== 'invoice-issued' && input.kind !== 'failed') {
    throw new Error(`the machine awaits the outcome of ${next.awaiting.step}, not a ${input.kind}`);
  }
  switch (input.kind) {
    case 'timer': {
      const due = firstDueBy(ctx.s, lifecycle, date);
      if (due) next.awaiting = runStep(ctx, due);
      else op.refreshAtRisk(ctx, date);
      return result();
    }
    case 'command': {
      const refusal = checkCommand(ctx.s, input.command, date, lifecycle);
      if (refusal) return result(refusal);
      next.awaiting = command(ctx, date, input.command);
      return result();
    }
    case 'evaluated':
    case 'invoice-issued':
    case 'failed': {
      const awaiting = next.awaiting;
      if (!awaiting) throw new Error(`no activity is awaited: ${input.kind}`);
      next.awaiting = undefined;
      return result(outcome(ctx, date, awaiting, input));
    }
  }
}

/** Runs one scheduled step; returns what it awaits, if anything. */
function runStep(ctx: op.Ctx, due: DueStep): Awaiting | undefined {
  const { s, lifecycle } = ctx;
  switch (due.step) {
    case 'monthly-check':
      op.call(ctx, 'evaluatePartner', { asOf: due.on });
      return { step: 'monthly-check', on: due.on };
    case 'renewal-review': {
      const renewal = due.arg!;
      const on = renewalReviewDate(renewal, lifecycle);
      s.lastRenewalReview = maxDate(s.lastRenewalReview ?? renewal, renewal);
      if (s.cancelled || s.tier === 'registered') return undefined;
      const why = renewalWithoutReview(renewal, lifecycle);
      if (why) return void op.record(ctx, on, 'compliance-review-skipped', { tier: s.tier, renewalDate: renewal, why });
      op.call(ctx, 'evaluatePartner', { asOf: on, targetTier: s.tier });
      return { step: 'renewal-review', on, renewal };
    }
    case 'renewal-fee': {
      s.lastRenewalInvoice = maxDate(s.lastRenewalInvoice ?? due.arg!, due.arg!);
      if (s.cancelled || tierRank(s.tier) < tierRank(lifecycle.programFee.fromTier)) return undefined;
      return invoiceFee(ctx, due.arg!, due.arg!, 'renewal-fee');
    }
    case 'grace-step':
      return void op.graceStep(ctx, due.on);
    case 'case-end':
      return void op.expireCases(ctx, due.on);
    case 'case-escalation':
      return void op.escalateCases(ctx, due.on);
    default:
      return undefined;
  }
}

function invoiceFee(
  ctx: op.Ctx,
  on: IsoDate,
  year: IsoDate,
  step: 'renewal-fee' | 'upgrade-fee',
): Awaiting | undefined {
  if (!op.needsInvoice(ctx.s, year)) return undefined;
  const reason = step === 'renewal-fee' ? 'renewal' : 'upgrade';
  op.call(ctx, 'issueFeeInvoice', { membershipYear: year, reason, on });
  return { step, on, membershipYear: year };
}

/** The awaited activity's outcome. */
function outcome(ctx: op.Ctx, date: IsoDate, awaiting: Awaiting, input: MachineInput): StepResult['refusal'] {
  const { s } = ctx;
  if (input.kind === 'failed') {
    // A failed monthly check is a missed month: the next month still comes (a retried old month moves nothing back).
    if (awaiting.step === 'monthly-check' && (!s.lastMonthlyCheck || s.lastMonthlyCheck < awaiting.on)) {
      s.lastMonthlyCheck = awaiting.on;
    }
    s.incidentSeq = (s.incidentSeq ?? 0) + 1;
    const incident = {
      id: String(s.incidentSeq),
      step: incidentStepOf(awaiting),
      on: awaiting.on,
      openedOn: date,
      activity: input.activity,
      reason: input.reason,
      ...(awaiting.step === 'renewal-review' ? { arg: awaiting.renewal } : {}),
      ...(awaiting.step === 'renewal-fee' ? { arg: awaiting.membershipYear } : {}),
    };
    (s.incidents ??= []).push(incident);
    return void op.record(ctx, incident.openedOn, 'incident-opened', { ...incident });
  }
  if (input.kind === 'invoice-issued') {
    if (awaiting.step !== 'renewal-fee' && awaiting.step !== 'upgrade-fee') throw new Error('no invoice was asked for');
    const reason = awaiting.step === 'renewal-fee' ? 'renewal' : 'upgrade';
    return void op.invoiced(ctx, awaiting.on, awaiting.membershipYear, reason, input.invoice);
  }
  if (input.kind !== 'evaluated') return undefined;
  const result = input.result;
  switch (awaiting.step) {
    case 'monthly-check':
      return void monthlyChecked(ctx, awaiting.on, result);
    case 'renewal-review':
      return void reviewed(ctx, awaiting.on, awaiting.renewal, result);
    case 'reinstate': {
      const c = s.cases.find((x) => x.id === awaiting.caseId)!;
      if (result.tierMet[c.fromTier] !== true) {
        return {
          type: LifecycleErrorType.WrongState,
          message: `evidence still does not show ${c.fromTier} compliance`,
        };
      }
      op.changeTier(ctx, awaiting.on, c.fromTier, 'reinstated', awaiting.by, c.id);
      return void op.closeCase(ctx, c, awaiting.on, 'reinstated');
    }
    default:
      throw new Error(`no evaluation was asked for (${awaiting.step})`);
  }
}

function monthlyChecked(ctx: op.Ctx, on: IsoDate, result: Evaluation): void {
  const { s } = ctx;
  if (!s.lastMonthlyCheck || s.lastMonthlyCheck < on) s.lastMonthlyCheck = on;
  const summary = { on, highestTierMet: result.highestTierMet, premierMet: result.premierMet };
  s.monthly = [...s.monthly.filter((m) => m.on !== on), summary]
    .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0))
    .slice(-MONTHLY_KEPT);
  op.record(ctx, on, 'monthly-check', { highestTierMet: result.highestTierMet, premierMet: result.premierMet });
}

/** R-RENEWAL: not compliant → a case and a downgrade to the highest tier met, reinstatable for its window. */
function reviewed(ctx: op.Ctx, on: IsoDate, renewal: IsoDate, result: Evaluation): void {
  const { s, lifecycle } = ctx;
  const compliant = result.tierMet[s.tier] === true;
  op.record(ctx, on, 'compliance-review', { tier: s.tier, compliant, renewalDate: renewal });
  if (compliant) return;
  const target = result.highestTierMet;
  const c = op.openCase(ctx, on, 'non-compliant', target, {
    reviewDate: on,
    reinstatableUntil: addDays(on, lifecycle.renewal.reinstatementWindowDays),
  });
  op.changeTier(ctx, on, target, 'non-compliant', 'renewal-review', c.id);
  op.call(ctx, 'notify', { kind: 'downgrade-case-opened', on, caseId: c.id });
}

/** An accepted command (its check passed); returns what it awaits, if anything. */
function command(ctx: op.Ctx, on: IsoDate, command: MembershipCommand): Awaiting | undefined {
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
      return void op.settle(ctx, on, invoice, 'payment', command.cmd.method);
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
