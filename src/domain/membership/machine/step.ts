/**
 * The reducer: `step(state, date, input) → { state, effects }`. An input starts work (the workflow's start, a command,
 * the timer, an outside fault) or brings the outcome of the effect the running work awaits; the work runs (./ctx)
 * until it awaits the next effect or is done. The shell (or a test) performs the effects in order and feeds back each
 * awaited outcome.
 */
import type { LifecycleParameters } from '../../catalog/types';
import { partnerWorkflowId } from '../../applications';
import { checkCommand, type Refusal } from '../checks';
import { migrateState } from '../invoices';
import { stageOf } from '../schedule';
import { LifecycleErrorType, type IsoDate } from '../types';
import { checkMonthsBeforeRegistration, timer } from './calendar';
import { runCommand } from './commands';
import { Ctx, Failed, Refused, Suspended, guarded, keepUnfinished, openIncident } from './ctx';
import type { MachineInput, MachineState, Running, StepResult, Work } from './types';

/** A copy of plain state (the workflow sandbox has no structuredClone; the state is JSON, as Temporal carries it). */
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** One input, as of `date`; the state given is not changed. */
export function step(
  state: MachineState,
  date: IsoDate,
  input: MachineInput,
  lifecycle: LifecycleParameters,
): StepResult {
  const running = runningFor(state, date, input, lifecycle);
  if ('refusal' in running) return { state, effects: [], refusal: running.refusal, idle: false };
  const workflowId = state.workflowId ?? partnerWorkflowId(state.membership.partner.id);
  const ctx = new Ctx(clone(running.base), lifecycle, workflowId, running.outcomes, running.dates);
  const outcome = perform(ctx, running.work, running.dates[0]!);
  const effects = ctx.effects.slice(running.emitted);
  const next: MachineState = { ...state, membership: ctx.s, awaiting: undefined };
  if (outcome.suspended) {
    next.awaiting = { ...running, emitted: ctx.effects.length };
    return { state: next, effects, awaits: outcome.suspended.effect, idle: false };
  }
  const s = ctx.s;
  effects.push({
    kind: 'search-attributes',
    tier: s.tier,
    stage: stageOf(s),
    atRisk: s.atRisk,
    needsAttention: (s.incidents ?? []).length > 0,
  });
  return {
    state: next,
    effects,
    idle: running.work.kind === 'timer' && outcome.value === false,
    ...(outcome.refusal ? { refusal: outcome.refusal } : {}),
    ...(!outcome.refusal && running.work.kind === 'command' && !ctx.answered
      ? { answer: { value: outcome.value } }
      : {}),
  };
}

/** The work the input starts (a refused command starts none), or the running work with the outcome it awaited. */
function runningFor(
  state: MachineState,
  date: IsoDate,
  input: MachineInput,
  lifecycle: LifecycleParameters,
): Running | { refusal: Refusal } {
  if (input.kind === 'outcome') {
    const running = state.awaiting;
    if (!running) throw new Error('no effect is awaited: an outcome has nothing to answer');
    return { ...running, outcomes: [...running.outcomes, input.outcome], dates: [...running.dates, date] };
  }
  if (state.awaiting) {
    throw new Error(`the machine awaits the outcome of ${state.awaiting.work.kind} work, not a ${input.kind}`);
  }
  const base = clone(state.membership);
  migrateState(base);
  if (input.kind === 'command') {
    const refusal = checkCommand(base, input.command, date, lifecycle);
    if (refusal) return { refusal };
  }
  return { work: input, base, outcomes: [], dates: [date], emitted: 0 };
}

interface Performed {
  value?: unknown;
  refusal?: Refusal;
  suspended?: Suspended;
}

function perform(ctx: Ctx, work: Work, on: IsoDate): Performed {
  try {
    return { value: run(ctx, work, on) };
  } catch (error) {
    if (error instanceof Suspended) return { suspended: error };
    if (error instanceof Refused) return { refusal: error.refusal };
    if (!(error instanceof Failed) || work.kind !== 'command') throw error;
    // The command's work failed part-way for good: an operator sees the incident; a caller not yet answered is told.
    const kind = work.command.kind;
    const incident = openIncident(ctx, 'command', ctx.today(), error.failure, { command: kind });
    if (error.decision) keepUnfinished(ctx, incident.id, error.decision);
    if (error.cancellation) ctx.s.unfinishedCancellation = { incidentId: incident.id, ...error.cancellation };
    if (ctx.answered) return {};
    return {
      refusal: {
        type: LifecycleErrorType.Incident,
        message: `${kind} could not be completed: ${incident.reason} (incident ${incident.id})`,
      },
    };
  }
}

function run(ctx: Ctx, work: Work, on: IsoDate): unknown {
  const { s } = ctx;
  switch (work.kind) {
    case 'start': {
      ctx.record(on, 'partner-registered', { tier: s.tier, track: s.partner.track });
      const from = work.lookBackFrom;
      if (from === undefined) return undefined;
      return guarded(ctx, 'monthly-check', s.registeredOn, () => checkMonthsBeforeRegistration(ctx, from));
    }
    case 'command':
      return runCommand(ctx, on, work.command);
    case 'timer':
      return timer(ctx, work.by ?? on);
    case 'fault':
      return void openIncident(ctx, work.step, work.on, work.failure);
  }
}
