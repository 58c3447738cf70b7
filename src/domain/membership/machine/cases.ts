/** Case ends, escalations and the Partner Manager's fee-unpaid decisions (R-CASE, R-GRACE). */
import type { CaseDecisionCommand, IsoDate } from '../types';
import type { Ctx } from './ctx';
import { voidInvoices } from './fees';
import { changeTier, closeCase, setAtRisk } from './tier';

/** R-GRACE: a fee-unpaid case undecided after its days is escalated to program admins, once; never decided. */
export function escalateCases(ctx: Ctx, on: IsoDate): void {
  for (const c of ctx.s.cases) {
    if (c.reason !== 'fee-unpaid' || c.escalated || !c.escalateOn || c.escalateOn > on) continue;
    ctx.call('notify', {
      key: `${c.id}#escalated`,
      partnerId: ctx.partnerId,
      kind: 'fee-unpaid-case-escalated',
      recipient: 'program-admin',
      on: c.escalateOn,
      payload: { caseId: c.id, invoiceId: c.invoiceId, openedOn: c.openedOn },
    });
    c.escalated = true;
    ctx.record(c.escalateOn, 'case-escalated', { caseId: c.id, reason: c.reason });
  }
}

/** R-GRACE: the Partner Manager's decision on a fee-unpaid case. */
export function decideCase(ctx: Ctx, on: IsoDate, cmd: CaseDecisionCommand): { caseId: string; outcome: string } {
  const c = ctx.s.cases.find((x) => x.id === cmd.caseId)!;
  ctx.record(on, 'case-decided', { caseId: c.id, decision: cmd.decision, reason: cmd.reason, by: cmd.by });
  if (cmd.decision === 'keep') {
    // The tier stays; the invoice stays open (a later payment settles it) and the partner stays at risk until then.
    closeCase(ctx, c, on, 'kept');
    return { caseId: c.id, outcome: 'kept' };
  }
  changeTier(ctx, on, 'registered', 'fee-unpaid', cmd.by, c.id);
  voidInvoices(ctx, on, 'downgraded', c.id);
  setAtRisk(ctx, on, false);
  ctx.call('notify', {
    key: `${c.id}#downgraded`,
    partnerId: ctx.partnerId,
    kind: 'downgraded-fee-unpaid',
    recipient: 'alliance-lead',
    on,
    payload: { caseId: c.id, reason: cmd.reason },
  });
  closeCase(ctx, c, on, 'downgraded');
  return { caseId: c.id, outcome: 'downgraded' };
}

/** R-RENEWAL: a non-compliance case not reinstated within its window closes downgraded. */
export function expireCases(ctx: Ctx, on: IsoDate): void {
  for (const c of [...ctx.s.cases]) {
    if (c.reinstatableUntil && c.reinstatableUntil <= on) closeCase(ctx, c, c.reinstatableUntil, 'downgraded');
  }
}
