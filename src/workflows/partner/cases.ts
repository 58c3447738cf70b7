/** Case ends, escalations and the Partner Manager's fee-unpaid decisions (R-CASE, R-GRACE). */
import { activities } from '../common';
import type { CaseDecisionCommand, IsoDate } from '../types';
import { record, type PartnerRun } from './run';
import { changeTier, closeCase, setAtRisk } from './tier';
import { voidInvoices } from './fees';

/** R-GRACE: a fee-unpaid case undecided after its days is escalated to program admins, once; never decided. */
export async function escalateCases(run: PartnerRun, on: IsoDate): Promise<void> {
  const { state, partnerId } = run;
  for (const c of state.cases) {
    if (c.reason !== 'fee-unpaid' || c.escalated || !c.escalateOn || c.escalateOn > on) continue;
    await activities.notify({
      key: `${c.id}#escalated`,
      partnerId,
      kind: 'fee-unpaid-case-escalated',
      recipient: 'program-admin',
      on: c.escalateOn,
      payload: { caseId: c.id, invoiceId: c.invoiceId, openedOn: c.openedOn },
    });
    c.escalated = true;
    record(run, c.escalateOn, 'case-escalated', { caseId: c.id, reason: c.reason });
  }
}

/** R-GRACE: the Partner Manager's decision on a fee-unpaid case. */
export async function decideCase(
  run: PartnerRun,
  on: IsoDate,
  cmd: CaseDecisionCommand,
): Promise<{ caseId: string; outcome: string }> {
  const { state, partnerId } = run;
  const c = state.cases.find((x) => x.id === cmd.caseId)!;
  record(run, on, 'case-decided', { caseId: c.id, decision: cmd.decision, reason: cmd.reason, by: cmd.by });
  if (cmd.decision === 'keep') {
    // The tier stays; the invoice stays open (a later payment settles it) and the partner stays at risk until then.
    await closeCase(run, c, on, 'kept');
    return { caseId: c.id, outcome: 'kept' };
  }
  await changeTier(run, on, 'registered', 'fee-unpaid', cmd.by, c.id);
  await voidInvoices(run, on);
  setAtRisk(run, on, false);
  await activities.notify({
    key: `${c.id}#downgraded`,
    partnerId,
    kind: 'downgraded-fee-unpaid',
    recipient: 'alliance-lead',
    on,
    payload: { caseId: c.id, reason: cmd.reason },
  });
  await closeCase(run, c, on, 'downgraded');
  return { caseId: c.id, outcome: 'downgraded' };
}

/** R-RENEWAL: a non-compliance case not reinstated within its window closes downgraded. */
export async function expireCases(run: PartnerRun, on: IsoDate): Promise<void> {
  for (const c of [...run.state.cases]) {
    if (c.reinstatableUntil && c.reinstatableUntil <= on) await closeCase(run, c, c.reinstatableUntil, 'downgraded');
  }
}
