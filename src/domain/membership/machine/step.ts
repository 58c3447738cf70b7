/**
 * The reducer: `step(state, date, input) → { state, effects }`. The same schedule (../schedule), checks (../checks)
 * and invoice rules (../invoices) the workflow shell delegates to decide here; the shell (or a test) performs the
 * effects and feeds back the awaited activity's outcome as the next input.
 */
import type { LifecycleParameters } from '../../catalog/types';
import { checkCommand } from '../checks';
import { migrateState } from '../invoices';
import { firstDueBy, stageOf } from '../schedule';
import { LifecycleErrorType, type IsoDate } from '../types';
import { monthlyChecked, reviewed, runStep } from './calendar';
import { command } from './commands';
import * as op from './ops';
import { incidentStepOf, type Awaiting, type MachineInput, type MachineState, type StepResult } from './types';

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
