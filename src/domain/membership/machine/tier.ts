/** Tier changes, cases and the at-risk flag (R-CASE, R-CANCEL, R-PREMIER withdrawal, ApnAtRisk). */
import { tierRank } from '../../tier-ladder';
import { scorecardRisk } from '../checks';
import type { ApplicationRef, CaseReason, CaseState, IsoDate, Tier } from '../types';
import type { Ctx } from './ctx';

export function changeTier(ctx: Ctx, on: IsoDate, to: Tier, reason: string, by: string, caseId?: string): void {
  const { s } = ctx;
  const from = s.tier;
  if (from === to) return;
  s.tier = to;
  auditTierChange(ctx, on, from, to, reason, by, caseId);
  if (tierRank(to) < tierRank(from)) withdrawApplication(ctx, reason, by);
}

/** R-CASE: the audit record of a tier change (from, to, when, why, by whom) and its timeline entry. */
export function auditTierChange(
  ctx: Ctx,
  on: IsoDate,
  from: Tier,
  to: Tier,
  reason: string,
  by: string,
  caseId?: string,
): void {
  const { partnerId } = ctx;
  ctx.call('recordTierChange', {
    key: `${partnerId}#tier#${ctx.s.journalSeq + 1}`,
    partnerId,
    from,
    to,
    on,
    reason,
    by,
    caseId,
  });
  ctx.record(on, 'tier-changed', { from, to, reason, by, ...(caseId ? { caseId } : {}) });
}

export function openCase(
  ctx: Ctx,
  on: IsoDate,
  reason: CaseReason,
  targetTier: Tier,
  extra: Partial<CaseState> = {},
): CaseState {
  const { s, partnerId } = ctx;
  s.caseSeq += 1;
  const { caseId } = ctx.call<{ caseId: string }>('openCase', {
    key: `${partnerId}#case#${s.caseSeq}`,
    partnerId,
    kind: reason === 'cancellation-requested' ? 'cancellation' : 'downgrade',
    reason,
    openedOn: on,
    fromTier: s.tier,
    targetTier,
  });
  const opened: CaseState = { id: caseId, reason, openedOn: on, fromTier: s.tier, targetTier, ...extra };
  s.cases.push(opened);
  ctx.record(on, 'case-opened', { caseId, reason, fromTier: opened.fromTier, targetTier });
  return opened;
}

export function closeCase(ctx: Ctx, c: CaseState, on: IsoDate, outcome: string): void {
  ctx.call('closeCase', { caseId: c.id, outcome, closedOn: on });
  ctx.s.cases = ctx.s.cases.filter((x) => x.id !== c.id);
  ctx.record(on, 'case-closed', { caseId: c.id, reason: c.reason, outcome });
}

export function setAtRisk(ctx: Ctx, on: IsoDate, atRisk: boolean, reason?: string): void {
  const { s } = ctx;
  if (atRisk && !s.atRisk) ctx.record(on, 'at-risk', { reason });
  if (!atRisk && s.atRisk) ctx.record(on, 'at-risk-cleared', {});
  s.atRisk = atRisk;
  s.atRiskReason = atRisk ? reason : undefined;
}

/** At risk by scorecard (search attribute ApnAtRisk), unless an unpaid fee holds it (R-GRACE). */
export function refreshAtRisk(ctx: Ctx, on: IsoDate): void {
  const risk = scorecardRisk(ctx.s);
  if (risk) setAtRisk(ctx, on, risk.atRisk, risk.reason);
}

/** R-PREMIER: a cancellation or a downgrade withdraws the open application (its workflow records why). */
export function withdrawApplication(ctx: Ctx, reason: string, by: string): void {
  const application = ctx.s.application;
  if (!application || !ctx.patched('withdraw-open-application')) return;
  ctx.s.application = undefined;
  if (!ctx.signal(application.workflowId, 'withdraw', { reason, by })) {
    // Already closed: its own decision is on its way back and is ignored (the application is no longer open).
    ctx.log('warn', 'open application could not be withdrawn', {
      partnerId: ctx.partnerId,
      application: application.number,
    });
  }
}

/** Closes the open application from the partner's side (ineligible): its store row and the timeline say why. */
export function closeApplication(
  ctx: Ctx,
  on: IsoDate,
  application: ApplicationRef,
  outcome: 'ineligible',
  reason: string,
): void {
  const { s, partnerId } = ctx;
  ctx.call('recordApplication', {
    id: application.workflowId,
    partnerId,
    number: application.number,
    targetTier: application.targetTier,
    feeAccountId: application.feeAccountId ?? s.partner.feeAccountId ?? '000000000000',
    submittedOn: application.submittedOn,
    submittedBy: application.submittedBy ?? 'unknown',
    status: outcome,
    decidedOn: on,
    gaps: [reason],
  });
  ctx.record(on, 'application-closed', {
    application: application.number,
    targetTier: application.targetTier,
    outcome,
    reasons: [reason],
  });
}
