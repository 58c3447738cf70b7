/** Tier changes, cases and the at-risk flag of a partner (R-CASE, R-CANCEL, R-PREMIER withdrawal, ApnAtRisk). */
import { getExternalWorkflowHandle, log, patched } from '@temporalio/workflow';
import { scorecardRisk } from '../../domain/membership';
import { tierRank } from '../../domain/tier-ladder';
import { activities } from '../common';
import { withdrawApplicationSignal } from '../definitions';
import type { ApplicationRef, CaseReason, CaseState, IsoDate, Tier } from '../types';
import { record, type PartnerRun } from './run';

export async function changeTier(
  run: PartnerRun,
  on: IsoDate,
  to: Tier,
  reason: string,
  by: string,
  caseId?: string,
): Promise<void> {
  const { state, partnerId } = run;
  const from = state.tier;
  if (from === to) return;
  state.tier = to;
  await activities.recordTierChange({
    key: `${partnerId}#tier#${state.journalSeq + 1}`,
    partnerId,
    from,
    to,
    on,
    reason,
    by,
    caseId,
  });
  record(run, on, 'tier-changed', { from, to, reason, by, ...(caseId ? { caseId } : {}) });
  if (tierRank(to) < tierRank(from)) await withdrawApplication(run, on, reason, by);
}

export async function openCase(
  run: PartnerRun,
  on: IsoDate,
  reason: CaseReason,
  targetTier: Tier,
  extra: Partial<CaseState> = {},
) {
  const { state, partnerId } = run;
  state.caseSeq += 1;
  const key = `${partnerId}#case#${state.caseSeq}`;
  const { caseId } = await activities.openCase({
    key,
    partnerId,
    kind: reason === 'cancellation-requested' ? 'cancellation' : 'downgrade',
    reason,
    openedOn: on,
    fromTier: state.tier,
    targetTier,
  });
  const opened: CaseState = { id: caseId, reason, openedOn: on, fromTier: state.tier, targetTier, ...extra };
  state.cases.push(opened);
  record(run, on, 'case-opened', { caseId, reason, fromTier: opened.fromTier, targetTier });
  return opened;
}

export async function closeCase(run: PartnerRun, c: CaseState, on: IsoDate, outcome: string): Promise<void> {
  const { state } = run;
  await activities.closeCase({ caseId: c.id, outcome, closedOn: on });
  state.cases = state.cases.filter((x) => x.id !== c.id);
  record(run, on, 'case-closed', { caseId: c.id, reason: c.reason, outcome });
}

export function setAtRisk(run: PartnerRun, on: IsoDate, atRisk: boolean, reason?: string): void {
  const { state } = run;
  if (atRisk && !state.atRisk) record(run, on, 'at-risk', { reason });
  if (!atRisk && state.atRisk) record(run, on, 'at-risk-cleared', {});
  state.atRisk = atRisk;
  state.atRiskReason = atRisk ? reason : undefined;
}

/** At risk by scorecard (search attribute ApnAtRisk), unless an unpaid fee holds it (R-GRACE). */
export function refreshAtRisk(run: PartnerRun, on: IsoDate): void {
  const { state } = run;
  const risk = scorecardRisk(state);
  if (risk) setAtRisk(run, on, risk.atRisk, risk.reason);
}

/** R-PREMIER: a cancellation or a downgrade withdraws the open application (its workflow records why). */
export async function withdrawApplication(run: PartnerRun, on: IsoDate, reason: string, by: string): Promise<void> {
  const { state, partnerId } = run;
  const application = state.application;
  if (!application || !patched('withdraw-open-application')) return;
  state.application = undefined;
  try {
    await getExternalWorkflowHandle(application.workflowId).signal(withdrawApplicationSignal, { reason, by });
  } catch (err) {
    // Already closed: its own decision is on its way back and is ignored (the application is no longer open).
    log.warn('open application could not be withdrawn', { partnerId, application: application.number, err });
  }
}

/** Closes the open application from the partner's side (ineligible): its store row and the timeline say why. */
export async function closeApplication(
  run: PartnerRun,
  on: IsoDate,
  application: ApplicationRef,
  outcome: 'ineligible',
  reason: string,
) {
  const { state, partnerId } = run;
  await activities.recordApplication({
    id: application.workflowId,
    partnerId,
    number: application.number,
    targetTier: application.targetTier,
    feeAccountId: application.feeAccountId ?? state.partner.feeAccountId ?? '000000000000',
    submittedOn: application.submittedOn,
    submittedBy: application.submittedBy ?? 'unknown',
    status: outcome,
    decidedOn: on,
    gaps: [reason],
  });
  record(run, on, 'application-closed', {
    application: application.number,
    targetTier: application.targetTier,
    outcome,
    reasons: [reason],
  });
}
