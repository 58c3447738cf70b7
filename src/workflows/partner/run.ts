/**
 * One run of a partner's workflow: the membership machine's state, the clock, and the shell that feeds the machine
 * (src/domain/membership/machine) its inputs and performs the effects it returns, in order — activity calls, patch
 * questions, the application's child start and signals — feeding each awaited outcome back. An activity that failed
 * for good comes back as a failed outcome, which the machine turns into an incident.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  getExternalWorkflowHandle,
  log,
  patched,
  startChild,
} from '@temporalio/workflow';
import { currentEdition } from '../../domain/catalog';
import {
  isBlocked,
  migrateState,
  step,
  type AwaitedEffect,
  type Failure,
  type MachineState,
  type Outcome,
  type StepResult,
  type Work,
} from '../../domain/membership';
import { ACTIVITY_MAX_ATTEMPTS, activities, isStoreCall, storeCallOf } from '../common';
import type { BusinessClock } from '../clock';
import { resolveApplicationStepSignal, withdrawApplicationSignal } from '../definitions';
import { ApnLifecycleStage, ApnPartnerId, ApnTier, ApnTrack } from '../search-attributes';
import type { Incident, IsoDate, LifecycleState } from '../types';
import { upgradeApplication } from '../upgrade-application';

export const lifecycle = currentEdition.lifecycle;

/** A journal entry not yet written. */
export interface PendingEntry {
  key: string;
  on: IsoDate;
  type: string;
  data: Record<string, unknown>;
}

/** What every part of the partner workflow works on during one run. */
export class PartnerRun {
  machine: MachineState;
  readonly partnerId: string;
  readonly pending: PendingEntry[] = [];
  waitingFor = 'starting';
  /** What search attributes last showed: upserts are history events, made only on a change. */
  lastPublished = '';
  /** The status last written to the store's read model (see syncReadModel). */
  lastViewFingerprint = '';

  constructor(
    state: LifecycleState,
    readonly clock: BusinessClock,
    workflowId: string,
  ) {
    migrateState(state);
    state.incidents ??= [];
    this.machine = { membership: state, workflowId };
    this.partnerId = state.partner.id;
  }

  get state(): LifecycleState {
    return this.machine.membership;
  }

  /** The open incidents. */
  get incidents(): Incident[] {
    return this.state.incidents ?? [];
  }
}

type AnyActivity = (args: Record<string, unknown>) => Promise<unknown>;

/** An activity's failure for good, as the machine sees it (the retries it made, when they ran out). */
function failureOf(error: ActivityFailure): Failure {
  const cause = error.cause instanceof ApplicationFailure ? error.cause : undefined;
  return {
    ...(error.activityType ? { activity: error.activityType } : {}),
    ...(cause?.type ? { errorType: cause.type } : {}),
    reason: cause?.message ?? error.message,
    ...(error.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? { attempt: ACTIVITY_MAX_ATTEMPTS } : {}),
  };
}

/** Performs an awaited effect; its outcome is the machine's next input. */
async function outcomeOf(run: PartnerRun, effect: AwaitedEffect): Promise<Outcome> {
  switch (effect.kind) {
    case 'patched':
      return { ok: true, value: patched(effect.name) };
    case 'call':
      try {
        // The store calls run as local activities (each since its patch, asked here, just before the call).
        const perform = (
          isStoreCall(effect.activity)
            ? storeCallOf(effect.activity)
            : (activities as unknown as Record<string, AnyActivity>)[effect.activity]!
        ) as AnyActivity;
        return { ok: true, value: await perform(effect.args) };
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        return { ok: false, failure: failureOf(error) };
      }
    case 'start-application': {
      const { start } = effect;
      await startChild(upgradeApplication, {
        workflowId: start.workflowId,
        // The application outlives any one run of this workflow (continue-as-new); it reports back by signal.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: start.summary,
        memo: { partnerName: start.partnerName },
        typedSearchAttributes: [
          { key: ApnPartnerId, value: start.attributes.partnerId },
          { key: ApnTrack, value: start.attributes.track },
          { key: ApnTier, value: start.attributes.tier },
          { key: ApnLifecycleStage, value: start.attributes.stage },
        ],
        args: [{ ...start.args, clock: { offsetMs: run.clock.offsetMs } }],
      });
      return { ok: true };
    }
    case 'signal-application':
      try {
        const handle = getExternalWorkflowHandle(effect.workflowId);
        if (effect.signal === 'withdraw') await handle.signal(withdrawApplicationSignal, effect.payload as never);
        else await handle.signal(resolveApplicationStepSignal, effect.payload as never);
        return { ok: true };
      } catch (error) {
        // The application's workflow is closed: the machine logs it and goes on.
        return { ok: false, failure: { reason: error instanceof Error ? error.message : String(error) } };
      }
  }
}

/**
 * Feeds one input to the machine and performs what it returns until its work is done: journal entries join the
 * pending journal, logs are logged, an early answer goes to `answered`; search attributes are published by the loop.
 */
export async function feed(run: PartnerRun, input: Work, answered?: (value: unknown) => void): Promise<StepResult> {
  let result = step(run.machine, run.clock.today(), input, lifecycle);
  for (;;) {
    run.machine = result.state;
    for (const effect of result.effects) {
      if (effect.kind === 'journal')
        run.pending.push({ key: effect.key, on: effect.on, type: effect.type, data: effect.data });
      else if (effect.kind === 'log') log[effect.level](effect.message, effect.data);
      else if (effect.kind === 'answer') answered?.(effect.value);
    }
    if (!result.awaits) return result;
    const outcome = await outcomeOf(run, result.awaits);
    result = step(run.machine, run.clock.today(), { kind: 'outcome', outcome }, lifecycle);
  }
}

/** Runs every scheduled item whose date has come (as of now), oldest first, each as of its own date. */
export async function runDue(run: PartnerRun): Promise<void> {
  const by = run.clock.today();
  while (!(await feed(run, { kind: 'timer', by })).idle);
}

/** Work outside the machine failed for good: the machine opens its incident. */
export async function fault(
  run: PartnerRun,
  stepName: 'journal' | 'status-sync',
  on: IsoDate,
  error: ActivityFailure,
): Promise<void> {
  await feed(run, { kind: 'fault', step: stepName, on, failure: failureOf(error) });
}

/** Writes the pending timeline entries (idempotent on each entry's key); kept for a retry when it fails. */
export async function flushJournal(run: PartnerRun): Promise<void> {
  const { partnerId, clock } = run;
  if (run.pending.length === 0 || isBlocked(run.state, 'journal')) return;
  const on = clock.today();
  const entries = run.pending.splice(0, run.pending.length);
  try {
    await storeCallOf('appendJournal')({ partnerId, entries });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await fault(run, 'journal', on, error);
    // Kept for the retry: the journal is idempotent on each entry's key.
    run.pending.unshift(...entries);
  }
}
