/**
 * The application's steps (R-UPGRADE, R-PREMIER, R-EBR) as transitions of the machine: each adds the effects to
 * perform to `ctx.effects` and says, in `awaiting`, what the application waits for next. The rules themselves (streak,
 * readiness, lapse, EBR windows) are ../application's.
 */
import type { LifecycleParameters } from '../../catalog/types';
import { addDays, type IsoDate } from '../../dates';
import type { EbrWindow } from '../../ebr';
import {
  deferredEbrWindow,
  firstEbrWindow,
  isReady,
  isSustained,
  lapseReasons,
  lapsesAfterCheck,
  nextSustainedCheck,
  sustainedStreak,
} from '../application';
import type { ApplicationDecision, ApplicationOutcome } from '../types';
import type { ApplicationEffect, ApplicationMachineState, Awaiting, Evaluation } from './types';

export interface Ctx {
  s: ApplicationMachineState;
  date: IsoDate;
  lifecycle: LifecycleParameters;
  effects: ApplicationEffect[];
  decision?: ApplicationDecision;
}

const premier = (s: ApplicationMachineState) => s.application.targetTier === 'premier';
const sustained = (ctx: Ctx) => isSustained(ctx.s.status, ctx.lifecycle);
const effectsThen = (ctx: Ctx, then: Extract<Awaiting, { step: 'effects' }>['then']) => {
  ctx.s.awaiting = { step: 'effects', then };
};

/** A timeline entry, keyed by the application's own sequence (idempotent). */
export function journal(ctx: Ctx, on: IsoDate, type: string, data: Record<string, unknown>): void {
  const { s } = ctx;
  s.journalSeq += 1;
  const key = `${s.application.workflowId}#${s.journalSeq}`;
  ctx.effects.push({ kind: 'journal', key, on, type, data: { application: s.application.number, ...data } });
}

/** The Web UI's current details. */
export function details(ctx: Ctx): void {
  const { application: a, status } = ctx.s;
  const lines = [
    `Application #${a.number}: ${a.fromTier} → **${a.targetTier}** (submitted ${a.submittedOn} by ${a.submittedBy})`,
    `Stage: ${status.stage}`,
  ];
  if (premier(ctx.s)) {
    lines.push(
      `Sustained Premier attainment: ${status.sustainedMonths} of ${ctx.lifecycle.sustainedAttainment.months} months`,
    );
    lines.push(`Readiness pre-assessment: ${status.readiness ? status.readiness.outcome : 'not recorded'}`);
    if (status.ebrWindow)
      lines.push(`EBR window ${status.ebrWindow.id}: ${status.ebrWindow.opensOn} → ${status.ebrWindow.closesOn}`);
  }
  ctx.effects.push({ kind: 'details', text: lines.join('\n') });
}

function recordRow(ctx: Ctx, row: Record<string, unknown>): void {
  const { workflowId, fromTier: _from, ...facts } = ctx.s.application;
  ctx.effects.push({ kind: 'call', activity: 'recordApplication', args: { id: workflowId, ...facts, ...row } });
}

function notify(
  ctx: Ctx,
  key: string,
  kind: string,
  recipient: string,
  payload: Record<string, unknown>,
  on: IsoDate = ctx.date,
): void {
  const { application: a } = ctx.s;
  ctx.effects.push({
    kind: 'call',
    activity: 'notify',
    args: { key: `${a.workflowId}#${key}`, partnerId: a.partnerId, kind, recipient, on, payload },
  });
}

function evaluate(ctx: Ctx, on: IsoDate, purpose: 'decide' | 'check'): void {
  const { application: a } = ctx.s;
  const targetTier = purpose === 'check' ? 'premier' : a.targetTier;
  ctx.effects.push({
    kind: 'call',
    activity: 'evaluatePartner',
    args: { partnerId: a.partnerId, asOf: on, targetTier },
  });
  ctx.s.awaiting = { step: 'evaluation', on, purpose };
}

/** Submitted: the Partner Manager is told, then the evaluation (R-UPGRADE) or the first sustained check (R-PREMIER). */
export function start(ctx: Ctx): void {
  const { application: a } = ctx.s;
  const payload = { application: a.number, targetTier: a.targetTier, by: a.submittedBy };
  notify(ctx, 'submitted', 'application-submitted', 'partner-manager', payload, a.submittedOn);
  details(ctx);
  evaluate(ctx, a.submittedOn, premier(ctx.s) ? 'check' : 'decide');
}

/** Records the decision (store, timeline, Alliance Lead) and reports it to the partner workflow. */
export function decide(ctx: Ctx, outcome: ApplicationOutcome, reasons: string[], by: string): void {
  const { s, date } = ctx;
  const { application: a, status } = s;
  const decision: ApplicationDecision = {
    number: a.number,
    targetTier: a.targetTier,
    outcome,
    decidedOn: date,
    reasons,
    by,
  };
  status.decision = decision;
  status.stage = outcome;
  s.awaiting = undefined;
  recordRow(ctx, { status: outcome, decidedOn: date, gaps: reasons, ebrWindow: status.ebrWindow?.id });
  const closed = outcome === 'approved' || outcome === 'rejected' ? `application-${outcome}` : 'application-closed';
  journal(ctx, date, closed, {
    targetTier: a.targetTier,
    reasons,
    by,
    ...(closed === 'application-closed' ? { outcome } : {}),
  });
  notify(ctx, 'decision', `application-${outcome}`, 'alliance-lead', {
    application: a.number,
    targetTier: a.targetTier,
    reasons,
  });
  details(ctx);
  ctx.effects.push({ kind: 'decided', decision });
  ctx.decision = decision;
}

/** Closes the application `withdrawn` (a cancellation, a downgrade, or its incident dismissed). */
export function closeWithdrawn(ctx: Ctx): void {
  ctx.s.closing = true;
  const withdrawal = ctx.s.withdrawal;
  if (!withdrawal) throw new Error(`application #${ctx.s.application.number} closes withdrawn without a withdrawal`);
  decide(ctx, 'withdrawn', [withdrawal.reason], withdrawal.by);
}

/** An evaluation came back: the decision on the application date (R-UPGRADE) or a sustained check (R-PREMIER (1)). */
export function evaluated(ctx: Ctx, awaiting: Extract<Awaiting, { step: 'evaluation' }>, result: Evaluation): void {
  const { s } = ctx;
  const { status } = s;
  if (awaiting.purpose === 'decide') {
    status.gaps = result.gaps;
    const met = result.tierMet[s.application.targetTier] === true;
    return met ? decide(ctx, 'approved', [], 'rules-engine') : decide(ctx, 'rejected', result.gaps, 'rules-engine');
  }
  const on = awaiting.on;
  s.checks.push({ on, highestTierMet: result.highestTierMet, premierMet: result.premierMet });
  const { since, months } = sustainedStreak(s.checks, on);
  status.sustainedSince = since;
  status.sustainedMonths = months;
  status.gaps = result.gaps;
  // A meet-and-maintain check was the one due: the next falls due the month after it.
  if (on === s.nextCheck) s.nextCheck = nextSustainedCheck(on);
  journal(ctx, on, 'sustained-check', {
    premierMet: result.premierMet,
    sustainedSince: since ?? null,
    months,
    required: ctx.lifecycle.sustainedAttainment.months,
    ...(result.premierMet ? {} : { gaps: result.gaps }),
  });
  details(ctx);
  effectsThen(ctx, 'after-check');
}

/** After a sustained check: lapsed (meet and maintain), or on with the streak or the EBR. */
export function afterCheck(ctx: Ctx): void {
  const { s } = ctx;
  if (lapsesAfterCheck(s.maintain, s.wasSustained, s.status)) {
    return decide(ctx, 'lapsed', lapseReasons(s.status), 'rules-engine');
  }
  if (s.status.stage === 'scheduled-for-ebr') return ebrWait(ctx);
  sustain(ctx);
}

/** R-PREMIER (1) and (2): waits for the next check or the readiness until both hold, then schedules the EBR. */
export function sustain(ctx: Ctx): void {
  const { s } = ctx;
  const { status } = s;
  if (sustained(ctx) && isReady(status)) return scheduleEbr(ctx, firstEbrWindow(ctx.date, ctx.lifecycle));
  status.stage = sustained(ctx) ? 'awaiting-readiness' : 'sustaining';
  details(ctx);
  s.readinessChanged = false;
  const checking = !sustained(ctx) || s.maintain;
  s.awaiting = { step: 'wait', for: 'readiness', checking, ...(checking ? { until: s.nextCheck } : {}) };
}

/** R-EBR: the EBR is scheduled in `window` (store, timeline, Partner Manager). */
export function scheduleEbr(ctx: Ctx, window: EbrWindow): void {
  const { s, date } = ctx;
  const { status } = s;
  // Cleared before the stage says 'scheduled-for-ebr': an outcome recorded while the scheduling activities run must
  // not be wiped out.
  s.ebrOutcome = undefined;
  status.ebrWindow = window;
  status.stage = 'scheduled-for-ebr';
  ctx.effects.push({ kind: 'search-attributes', window: window.id, stage: 'scheduled-for-ebr' });
  recordRow(ctx, { status: 'in-progress', ebrWindow: window.id });
  journal(ctx, date, 'ebr-scheduled', { window: window.id, opensOn: window.opensOn, closesOn: window.closesOn });
  notify(ctx, `ebr#${window.id}`, 'ebr-scheduled', 'partner-manager', { application: s.application.number, window });
  details(ctx);
  effectsThen(ctx, 'ebr-wait');
}

/** R-EBR: waits for the outcome until the window's end; meet and maintain checks fall due meanwhile. */
export function ebrWait(ctx: Ctx): void {
  const { s } = ctx;
  // The window's last day is closesOn; with no outcome by the end of it, the EBR moves to the next window.
  const ended = addDays(s.status.ebrWindow!.closesOn, 1);
  const until = s.maintain && s.nextCheck < ended ? s.nextCheck : ended;
  s.awaiting = { step: 'wait', for: 'ebr-outcome', until, checking: until !== ended, ended };
}

/** The EBR's outcome (or none by the window's end): approved, rejected, or moved to the next window. */
export function concludeEbr(ctx: Ctx): void {
  const { s, date } = ctx;
  const window = s.status.ebrWindow!;
  const outcome = s.ebrOutcome;
  journal(ctx, date, 'ebr-outcome', {
    window: window.id,
    outcome: outcome?.outcome ?? 'no-outcome',
    ...(outcome ? { by: outcome.by } : {}),
    ...(outcome?.notes ? { notes: outcome.notes } : {}),
  });
  if (outcome?.outcome === 'approved') return decide(ctx, 'approved', [], outcome.by);
  if (outcome?.outcome === 'rejected') {
    return decide(ctx, 'rejected', [outcome.notes ?? 'rejected at the Executive Business Review'], outcome.by);
  }
  scheduleEbr(ctx, deferredEbrWindow(window, ctx.lifecycle));
}

/** A wait ended: withdrawn, woken (readiness, EBR outcome) or its date began (a check, or the window's end). */
export function waited(ctx: Ctx, awaiting: Extract<Awaiting, { step: 'wait' }>, woken: boolean): void {
  const { s } = ctx;
  if (s.withdrawal) return closeWithdrawn(ctx);
  if (awaiting.for === 'ebr-outcome' && (woken || !awaiting.checking)) return concludeEbr(ctx);
  if (woken || !awaiting.checking) return sustain(ctx);
  s.wasSustained = sustained(ctx);
  evaluate(ctx, s.nextCheck, 'check');
}
