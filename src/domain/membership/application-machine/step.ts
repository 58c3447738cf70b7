/**
 * The application's reducer: `stepApplication(state, date, input) → { state, effects }`. The workflow shell (or a
 * test) performs the effects in order and feeds back what the application awaits: the effects performed, an
 * evaluation's result, or the end of a wait. Commands and signals may come at any time; they change what the
 * application knows and end the wait they answer, never the step in flight.
 */
import type { LifecycleParameters } from '../../catalog/types';
import { checkEbrOutcome, checkReadiness, nextSustainedCheck } from '../application';
import type { Refusal } from '../checks';
import type { IsoDate, MonthlySummary } from '../types';
import * as steps from './steps';
import type {
  ApplicationCommand,
  ApplicationFacts,
  ApplicationInput,
  ApplicationMachineState,
  ApplicationStepResult,
  IncidentAnswer,
} from './types';

/** A submitted application, before its first step; `maintain`: R-PREMIER meet and maintain applies. */
export function newApplication(
  application: ApplicationFacts,
  priorMonthly: readonly MonthlySummary[],
  maintain: boolean,
): ApplicationMachineState {
  const premier = application.targetTier === 'premier';
  return {
    application,
    maintain: premier && maintain,
    status: {
      number: application.number,
      workflowId: application.workflowId,
      targetTier: application.targetTier,
      submittedOn: application.submittedOn,
      stage: premier ? 'sustaining' : 'evaluating',
      sustainedMonths: 0,
      gaps: [],
    },
    checks: [...priorMonthly],
    nextCheck: nextSustainedCheck(application.submittedOn),
    journalSeq: 0,
    wasSustained: false,
    readinessChanged: false,
    closing: false,
    resolutions: [],
  };
}

/** A Partner Manager's command's check (the Update validators, and the command itself): undefined when accepted. */
export function checkApplicationCommand(
  state: ApplicationMachineState,
  date: IsoDate,
  command: ApplicationCommand,
): Refusal | undefined {
  switch (command.kind) {
    case 'readiness':
      return checkReadiness(state.status, command.cmd);
    case 'ebr-outcome':
      return checkEbrOutcome(state.status, command.cmd, date, state.ebrOutcome !== undefined);
    default:
      return undefined;
  }
}

/** Whether the wait the application is in (or the step waiting on incident `ticket`) should end now. */
export function woken(state: ApplicationMachineState, ticket?: number): boolean {
  if (ticket !== undefined) return state.resolutions.length > ticket || (!state.closing && !!state.withdrawal);
  const a = state.awaiting;
  if (a?.step !== 'wait') return false;
  if (state.withdrawal) return true;
  return a.for === 'readiness' ? state.readinessChanged : state.ebrOutcome !== undefined;
}

function command(ctx: steps.Ctx, c: ApplicationCommand): void {
  const { s, date } = ctx;
  switch (c.kind) {
    case 'readiness': {
      const { outcome, by, notes } = c.cmd;
      s.status.readiness = { outcome, on: date, by, ...(notes ? { notes } : {}) };
      s.readinessChanged = true;
      return steps.journal(ctx, date, 'readiness-assessment', { outcome, by });
    }
    case 'ebr-outcome':
      s.ebrOutcome = c.cmd;
      return;
    case 'withdraw':
      s.withdrawal ??= c.cmd;
      return;
    case 'resolution':
      s.resolutions.push(c.resolution);
  }
}

/** The operator's answer to the incident of `ticket`: retry its step, skip it (closing), or abandon the application. */
function answer(ctx: steps.Ctx, ticket: number): IncidentAnswer {
  const { s } = ctx;
  const resolution = s.resolutions[ticket];
  if (!resolution) return 'abandon';
  if (resolution.action === 'retry') return 'retry';
  if (s.closing) return 'skip';
  s.withdrawal ??= { reason: `incident ${resolution.incidentId} dismissed`, by: resolution.by };
  return 'abandon';
}

/** The main line's inputs: each must answer what the application awaits. */
function proceed(ctx: steps.Ctx, input: ApplicationInput): void {
  const { s } = ctx;
  const awaiting = s.awaiting;
  const expected = input.kind === 'performed' ? 'effects' : input.kind === 'evaluated' ? 'evaluation' : 'wait';
  if (input.kind === 'start') {
    if (awaiting) throw new Error('the application has already started');
    return steps.start(ctx);
  }
  if (awaiting?.step !== expected) {
    throw new Error(`the application awaits ${awaiting ? awaiting.step : 'nothing'}, not a ${input.kind} input`);
  }
  s.awaiting = undefined;
  if (input.kind === 'evaluated' && awaiting.step === 'evaluation') return steps.evaluated(ctx, awaiting, input.result);
  if (input.kind === 'waited' && awaiting.step === 'wait') return steps.waited(ctx, awaiting, input.woken);
  if (awaiting.step !== 'effects') return;
  if (awaiting.then === 'after-check') return steps.afterCheck(ctx);
  if (awaiting.then === 'ebr-wait') return steps.ebrWait(ctx);
  steps.sustain(ctx);
}

/** One input, as of `date`; the state given is not changed. */
export function stepApplication(
  state: ApplicationMachineState,
  date: IsoDate,
  input: ApplicationInput,
  lifecycle: LifecycleParameters,
): ApplicationStepResult {
  // A JSON copy: the state is plain data, and workflow sandboxes have no structuredClone.
  const s = JSON.parse(JSON.stringify(state)) as ApplicationMachineState;
  const ctx: steps.Ctx = { s, date, lifecycle, effects: [] };
  const done = (extra: Partial<ApplicationStepResult> = {}): ApplicationStepResult => ({
    state: s,
    effects: ctx.effects,
    ...(ctx.decision ? { decision: ctx.decision } : {}),
    ...extra,
  });
  // Once decided, only the decision's own steps go on: their incidents, and (dismissed) a withdrawn close instead.
  const decided = s.status.decision && !['command', 'failed', 'answered', 'abandoned'].includes(input.kind);
  if (decided) throw new Error(`application #${s.application.number} was already ${s.status.decision!.outcome}`);
  switch (input.kind) {
    case 'command': {
      const refusal = checkApplicationCommand(s, date, input.command);
      if (refusal) return { state, effects: [], refusal };
      command(ctx, input.command);
      return done();
    }
    case 'failed': {
      const { number } = s.application;
      ctx.effects.push({ kind: 'incident', report: { number, ...input.failure } });
      return done({ ticket: s.resolutions.length });
    }
    case 'answered':
      return done({ answer: answer(ctx, input.ticket) });
    case 'abandoned':
      steps.closeWithdrawn(ctx);
      return done();
    default:
      proceed(ctx, input);
      return done();
  }
}
