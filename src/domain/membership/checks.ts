/**
 * Every partner command's check (R-UPGRADE, R-PAID, R-GRACE, R-CANCEL, R-RENEWAL), the approval's eligibility
 * (R-PREMIER) and the at-risk rule: pure functions of the state and the day. The workflow's Update validators call
 * them to refuse a command before it is accepted, and the command calls the same check again when it runs, since
 * commands queued before it may have changed the state.
 */
import type { LifecycleParameters } from '../catalog/types';
import type { IsoDate } from '../dates';
import { nextTierUp, tierRank } from '../tier-ladder';
import { extensionTarget, openInvoices, paymentTarget, paysInFull } from './invoices';
import {
  LifecycleErrorType,
  type ApplicationDecision,
  type ApplicationRef,
  type ApplyCommand,
  type CaseDecisionCommand,
  type CaseState,
  type ExtensionCommand,
  type IncidentCommand,
  type LifecycleState,
  type MembershipCommand,
  type PaymentCommand,
} from './types';

/** Why a command is refused: the error type the API maps to a status, and a message naming what is wrong. */
export interface Refusal {
  type: LifecycleErrorType;
  message: string;
}

const invalid = (message: string): Refusal => ({ type: LifecycleErrorType.InvalidCommand, message });
const wrongState = (message: string): Refusal => ({ type: LifecycleErrorType.WrongState, message });

/** R-UPGRADE, R-FEE: one open application at a time, one tier up, with the fee account to bill. */
export function checkApply(state: LifecycleState, cmd: ApplyCommand): Refusal | undefined {
  if (!cmd || typeof cmd !== 'object') return invalid('an application body is required');
  if (!/^\d{12}$/.test(cmd.feeAccountId ?? '')) return invalid('feeAccountId must be a 12-digit AWS account ID');
  if (state.application) {
    return wrongState(`application #${state.application.number} (${state.application.targetTier}) is still open`);
  }
  const next = nextTierUp(state.tier, state.partner.track);
  if (next === null) return wrongState(`${state.tier} is the top tier of the ${state.partner.track} track`);
  if (cmd.targetTier !== next) {
    return wrongState(`upgrades go one tier up: from ${state.tier} the only target is ${next}, not ${cmd.targetTier}`);
  }
  return undefined;
}

/** R-PAID: a payment settles one open invoice (the one it names, or the oldest it matches), for its exact total. */
export function checkPayment(state: LifecycleState, cmd: PaymentCommand): Refusal | undefined {
  if (openInvoices(state).length === 0) return wrongState('there is no open fee invoice to pay');
  const invoice = paymentTarget(state, cmd);
  if (!invoice) {
    const open = openInvoices(state).map((i) => i.id);
    return wrongState(`invoice ${String(cmd.invoiceId)} is not an open fee invoice (open: ${open.join(', ')})`);
  }
  if (!paysInFull(invoice, cmd?.amount)) {
    return invalid(`payment must equal the invoice total of $${invoice.total.toFixed(2)} (got ${String(cmd?.amount)})`);
  }
  return undefined;
}

/** R-GRACE: one extension per invoice (the one named, else the oldest open), of at most the catalog's days, granted before the deadline. */
export function checkExtension(
  state: LifecycleState,
  cmd: ExtensionCommand,
  today: IsoDate,
  lifecycle: LifecycleParameters,
): Refusal | undefined {
  const max = lifecycle.programFee.maxExtensionDays;
  if (openInvoices(state).length === 0) return wrongState('there is no open fee invoice to extend');
  const invoice = extensionTarget(state, cmd?.invoiceId);
  if (!invoice) {
    const open = openInvoices(state).map((i) => i.id);
    return wrongState(`invoice ${String(cmd.invoiceId)} is not an open fee invoice (open: ${open.join(', ')})`);
  }
  if (invoice.extended) return wrongState(`invoice ${invoice.id} was already extended once`);
  if (!Number.isInteger(cmd?.days) || cmd.days < 1 || cmd.days > max) {
    return invalid(`days must be a whole number from 1 to ${max}`);
  }
  if (today >= invoice.deadline)
    return wrongState(`the deadline ${invoice.deadline} has passed; no extension is possible`);
  return undefined;
}

/** R-CANCEL: the membership is cancelled, or its cancellation is under way (failed part-way, waiting for its retry). */
export function cancelledOrCancelling(state: LifecycleState): boolean {
  return state.cancelled || state.unfinishedCancellation !== undefined;
}

/** R-CANCEL: a membership is cancelled once; one that failed part-way is finished by retrying its incident. */
export function checkCancellation(state: LifecycleState): Refusal | undefined {
  const unfinished = state.unfinishedCancellation;
  if (unfinished) {
    return wrongState(
      `the cancellation of ${unfinished.on} is unfinished: retry incident ${unfinished.incidentId} to finish it`,
    );
  }
  return state.cancelled ? wrongState('the membership is already cancelled') : undefined;
}

/** R-GRACE: only an open fee-unpaid case is decided, downgrade or keep, with a reason. */
export function checkCaseDecision(state: LifecycleState, cmd: CaseDecisionCommand): Refusal | undefined {
  if (!cmd || typeof cmd !== 'object') return invalid('a case decision is required');
  if (cmd.decision !== 'downgrade' && cmd.decision !== 'keep') return invalid("decision must be 'downgrade' or 'keep'");
  if (typeof cmd.reason !== 'string' || cmd.reason.trim() === '') return invalid('a decision needs its reason');
  const c = state.cases.find((x) => x.id === cmd.caseId);
  if (!c) return wrongState(`no case ${String(cmd.caseId)} is open`);
  if (c.reason !== 'fee-unpaid') {
    return wrongState(`case ${c.id} is a ${c.reason} case: only fee-unpaid cases are decided`);
  }
  return undefined;
}

/**
 * An operator retries or dismisses an open incident; a failed command is sent again instead of retried — except an
 * approved decision's, which no one can send again: its retry finishes the approval (R-UPGRADE), and a cancellation's,
 * which is refused again while under way: its retry finishes the cancellation (R-CANCEL).
 */
export function checkIncident(state: LifecycleState, cmd: IncidentCommand): Refusal | undefined {
  if (!cmd || typeof cmd !== 'object') return invalid('an incident command is required');
  if (cmd.action !== 'retry' && cmd.action !== 'dismiss') return invalid("action must be 'retry' or 'dismiss'");
  const incident = (state.incidents ?? []).find((i) => i.id === cmd.incidentId);
  if (!incident) return wrongState(`no open incident ${String(cmd.incidentId)}`);
  const finishable =
    (state.unfinishedDecisions ?? []).some((d) => d.incidentId === incident.id) ||
    state.unfinishedCancellation?.incidentId === incident.id;
  if (cmd.action === 'retry' && incident.step === 'command' && !finishable) {
    return wrongState(
      `incident ${incident.id} is a failed ${incident.command ?? 'command'}: send the command again, then dismiss it`,
    );
  }
  return undefined;
}

/** R-RENEWAL: the non-compliance case a Partner Manager may still reinstate on `today`. */
export function reinstatableCase(state: LifecycleState, today: IsoDate): CaseState | undefined {
  return state.cases.find((c) => c.reason === 'non-compliant' && c.reinstatableUntil && c.reinstatableUntil > today);
}

/** R-RENEWAL: a reinstatement needs an open non-compliance case within its window. */
export function checkReinstate(state: LifecycleState, today: IsoDate): Refusal | undefined {
  return reinstatableCase(state, today) ? undefined : wrongState('no non-compliance case is open for reinstatement');
}

/**
 * R-PREMIER: why an approval cannot take effect on its decision day — the partner is no longer on the tier it
 * applied from, it cancelled after applying, or (Premier) its latest monthly check no longer meets Premier.
 */
export function ineligibility(
  state: LifecycleState,
  application: ApplicationRef,
  decision: ApplicationDecision,
): string | undefined {
  if (nextTierUp(state.tier, state.partner.track) !== decision.targetTier) {
    return `the partner is ${state.tier} on ${decision.decidedOn}, not ${application.fromTier ?? 'the tier it applied from'}`;
  }
  if (state.cancelled && state.cancelledOn && state.cancelledOn >= application.submittedOn) {
    return `the membership was cancelled on ${state.cancelledOn}`;
  }
  const cancelling = state.unfinishedCancellation;
  if (cancelling && cancelling.on >= application.submittedOn) {
    return `the membership's cancellation of ${cancelling.on} is under way`;
  }
  const latest = state.monthly[state.monthly.length - 1];
  if (decision.targetTier === 'premier' && latest && !latest.premierMet) {
    return `the latest monthly check (${latest.on}) does not meet Premier`;
  }
  return undefined;
}

/**
 * At risk by scorecard (search attribute ApnAtRisk): the latest monthly check no longer meets the current tier.
 * Undefined while the partner is at risk for an unpaid fee (R-GRACE), which only a payment or decision clears.
 */
export function scorecardRisk(state: LifecycleState): { atRisk: boolean; reason?: string } | undefined {
  if (state.atRiskReason === 'fee-unpaid') return undefined;
  const latest = state.monthly[state.monthly.length - 1];
  const below = !!latest && !state.cancelled && tierRank(latest.highestTierMet) < tierRank(state.tier);
  return below ? { atRisk: true, reason: 'scorecard-below-tier' } : { atRisk: false };
}

/** The check of any queued command as of `today`; signals (decisions, evidence changes) are never refused. */
export function checkCommand(
  state: LifecycleState,
  command: MembershipCommand,
  today: IsoDate,
  lifecycle: LifecycleParameters,
): Refusal | undefined {
  switch (command.kind) {
    case 'apply':
      return checkApply(state, command.cmd);
    case 'payment':
      return checkPayment(state, command.cmd);
    case 'extension':
      return checkExtension(state, command.cmd, today, lifecycle);
    case 'cancel':
      return checkCancellation(state);
    case 'reinstate':
      return checkReinstate(state, today);
    case 'decide-case':
      return checkCaseDecision(state, command.cmd);
    case 'incident':
      return checkIncident(state, command.cmd);
    case 'decided':
    case 'application-incident':
    case 'evidence':
      return undefined;
  }
}
