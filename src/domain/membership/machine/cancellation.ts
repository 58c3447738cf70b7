/**
 * R-CANCEL (with R-CASE, R-PREMIER withdrawal, R-GRACE): a cancellation opens its case, drops the tier to Registered
 * with its audit record, withdraws the open application, voids the open invoices (closing their fee-unpaid cases),
 * and closes its case. When one of these fails for good, the cancellation is under way (a second one is refused, the
 * renewal calendar stops, an approval is ineligible) and its incident keeps how far it got: retrying the incident does
 * only what is missing, as of the day it was asked, so the partner ends as a cancellation without the fault would have
 * left it (cancelled only then: never cancelled while still on a higher tier).
 */
import { openInvoices } from '../invoices';
import type { CancellationCommand, CancellationProgress, IsoDate, UnfinishedCancellation } from '../types';
import { Failed, openIncident, type Ctx } from './ctx';
import { voidInvoices } from './fees';
import { auditTierChange, changeTier, closeCase, openCase, setAtRisk, withdrawApplication } from './tier';

const REASON = 'cancellation-requested';

export function cancel(ctx: Ctx, on: IsoDate, cmd: CancellationCommand): { caseId: string } {
  const { s } = ctx;
  const progress: CancellationProgress = { on, by: cmd.by, fromTier: s.tier };
  const { cancelledOn } = s;
  try {
    finishCancellation(ctx, progress);
    return { caseId: progress.caseId! };
  } catch (error) {
    // Workflows whose cancellation failed before it could be finished keep their recorded history (patched).
    if (!(error instanceof Failed) || !ctx.patched('cancel-finishable')) throw error;
    // Its case was not opened: the retry opens it under the same key (a case the store did open is found again).
    if (progress.caseId === undefined) s.caseSeq -= 1;
    underWay(ctx, cancelledOn);
    throw new Failed(error.failure, undefined, progress);
  }
}

/** R-CANCEL: a retried cancellation incident finishes what its first run left (a new incident if it fails). */
export function retryCancellation(ctx: Ctx, unfinished: UnfinishedCancellation, failedAt?: string): void {
  const { incidentId: _failed, ...progress } = unfinished;
  const { cancelledOn } = ctx.s;
  try {
    finishCancellation(ctx, progress, failedAt);
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
    underWay(ctx, cancelledOn);
    const again = openIncident(ctx, 'command', ctx.today(), error.failure, { command: 'cancel' });
    ctx.s.unfinishedCancellation = { incidentId: again.id, ...progress };
  }
}

/** Cancelled once finished (its case closed), not while under way: the flags as they were before it. */
function underWay(ctx: Ctx, cancelledOn: IsoDate | undefined): void {
  ctx.s.cancelled = false;
  if (cancelledOn === undefined) delete ctx.s.cancelledOn;
  else ctx.s.cancelledOn = cancelledOn;
}

/**
 * The cancellation's work, or what is left of it: `failedAt` (the activity that failed) when a retried incident
 * finishes it — each step is done only when its effect is missing from the state. `progress` learns the case.
 */
export function finishCancellation(ctx: Ctx, progress: CancellationProgress, failedAt?: string): void {
  const { s } = ctx;
  const { on, by, fromTier } = progress;
  progress.caseId ??= openCase(ctx, on, REASON, 'registered').id;
  if (failedAt === 'recordTierChange' && s.tier === 'registered') {
    // The tier dropped, its audit record was not written; the withdrawal follows below.
    auditTierChange(ctx, on, fromTier, 'registered', REASON, by, progress.caseId);
  } else changeTier(ctx, on, 'registered', REASON, by, progress.caseId);
  // R-CANCEL, R-PREMIER: a cancellation closes the open application withdrawn also when the tier did not drop (a
  // registered partner's); workflows that cancelled so before this fix keep their recorded history.
  if (s.application && ctx.patched('cancel-withdraws-application')) withdrawApplication(ctx, REASON, by);
  if (failedAt === undefined || openInvoices(s).length > 0) voidInvoices(ctx, on, 'cancelled');
  if (failedAt !== undefined) closeVoidedCases(ctx, on);
  s.cancelled = true;
  s.cancelledOn = on;
  setAtRisk(ctx, on, false);
  const c = s.cases.find((x) => x.id === progress.caseId);
  if (c) closeCase(ctx, c, on, 'cancelled');
}

/** R-GRACE on a retry: a fee-unpaid case whose invoice the cancellation voided, left open when closing it failed. */
function closeVoidedCases(ctx: Ctx, on: IsoDate): void {
  const open = new Set(openInvoices(ctx.s).map((i) => i.id));
  const orphans = ctx.s.cases.filter((c) => c.reason === 'fee-unpaid' && c.invoiceId && !open.has(c.invoiceId));
  for (const c of orphans) closeCase(ctx, c, on, 'cancelled');
}
