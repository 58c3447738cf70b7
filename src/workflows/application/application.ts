/**
 * The shell of one upgrade application: it feeds inputs to the application machine
 * (src/domain/membership/application-machine) and performs its effects — activities, journal entries, the Web UI's
 * details, search attributes, signals to the partner. An activity that fails for good becomes an incident on the
 * partner and the step waits for the operator's answer, which the machine turns into retry, skip or withdrawal.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { currentEdition } from '../../domain/catalog';
import {
  newApplication,
  stepApplication,
  woken,
  type ApplicationEffect,
  type ApplicationInput,
  type ApplicationMachineState,
  type ApplicationStepResult,
  type Evaluation,
} from '../../domain/membership/application-machine';
import type { BusinessClock } from '../clock';
import { ACTIVITY_MAX_ATTEMPTS, activities, applicationActivities, applicationWorkflowId } from '../common';
import { applicationDecidedSignal, applicationIncidentSignal } from '../definitions';
import { ApnLifecycleStage, ApnNextEbrWindow } from '../search-attributes';
import type { ApplicationDecision, UpgradeApplicationInput } from '../types';

export type { StepResolution } from '../../domain/membership/application-machine';

/**
 * Thrown out of a step waiting for its incident's answer when the application is withdrawn meanwhile (a cancellation,
 * a downgrade, or the incident dismissed); the main line then feeds `abandoned` and the application closes.
 */
export class StepAbandoned extends Error {}

export class Application {
  state: ApplicationMachineState;

  /**
   * `maintain` — R-PREMIER "meet and maintain" (applications started before it stopped checking at six months).
   * `incidents` — an activity that failed for good becomes an incident on the partner and the step waits for the
   * operator; applications started before that retried for ever, and failed on a business refusal.
   */
  constructor(
    readonly input: UpgradeApplicationInput,
    readonly clock: BusinessClock,
    maintain: boolean,
    private readonly incidents: boolean,
  ) {
    const { partnerId, number, fromTier, targetTier, submittedOn, submittedBy, feeAccountId } = input;
    const workflowId = applicationWorkflowId(input.parentWorkflowId, number);
    const facts = { partnerId, number, workflowId, fromTier, targetTier, submittedOn, submittedBy, feeAccountId };
    this.state = newApplication(facts, input.priorMonthly, maintain);
  }

  /** Feeds one input to the machine, as of today. */
  feed(input: ApplicationInput): ApplicationStepResult {
    const result = stepApplication(this.state, this.clock.today(), input, currentEdition.lifecycle);
    this.state = result.state;
    return result;
  }

  /** Submission to decision: performs each step's effects, then feeds what the machine awaits. */
  async run(): Promise<ApplicationDecision> {
    let step = this.feed({ kind: 'start' });
    for (;;) {
      let result: unknown;
      try {
        result = await this.perform(step.effects);
      } catch (error) {
        // A step waiting for its incident's answer was withdrawn (or its incident dismissed): the application closes.
        if (!(error instanceof StepAbandoned)) throw error;
        step = this.feed({ kind: 'abandoned' });
        continue;
      }
      if (step.decision) return step.decision;
      step = await this.next(result);
    }
  }

  /** What the machine awaits: its effects performed, an evaluation's result, or the end of a wait. */
  private async next(result: unknown): Promise<ApplicationStepResult> {
    const awaiting = this.state.awaiting;
    if (!awaiting) throw new Error(`application #${this.input.number} awaits nothing and has no decision`);
    if (awaiting.step === 'effects') return this.feed({ kind: 'performed' });
    if (awaiting.step === 'evaluation') return this.feed({ kind: 'evaluated', result: result as Evaluation });
    const wake = await this.clock.waitUntil(awaiting.until, () => woken(this.state));
    return this.feed({ kind: 'waited', woken: wake });
  }

  /** Performs `effects` in order; resolves with the last one's result (an evaluation the machine awaits). */
  async perform(effects: ApplicationEffect[]): Promise<unknown> {
    let result: unknown;
    for (const effect of effects) result = await this.attempt(effect);
    return result;
  }

  /**
   * Performs one effect. An activity that fails for good is reported to the partner as an incident and the step waits
   * for the operator: retry performs it again, dismiss withdraws the application (or, while it is closing, skips the
   * step). Never fails the application workflow.
   */
  private async attempt(effect: ApplicationEffect): Promise<unknown> {
    for (;;) {
      try {
        return await this.effect(effect);
      } catch (error) {
        if (!this.incidents || !(error instanceof ActivityFailure)) throw error;
        const answer = await this.waitForOperator(error);
        if (answer === 'retry') continue;
        // Only void activities (store row, journal, notification) run while closing: the step is left undone.
        if (answer === 'skip') return undefined;
        throw new StepAbandoned(`application #${this.input.number} withdrawn while its step waited`);
      }
    }
  }

  /** Reports the failure to the partner workflow and waits for the operator's answer (or a withdrawal). */
  private async waitForOperator(failure: ActivityFailure) {
    const cause = failure.cause instanceof ApplicationFailure ? failure.cause : undefined;
    log.warn('application step failed: waiting for the operator', {
      workflowId: this.state.status.workflowId,
      failure,
    });
    const { ticket, effects } = this.feed({
      kind: 'failed',
      failure: {
        activity: failure.activityType,
        ...(cause?.type ? { errorType: cause.type } : {}),
        reason: cause?.message ?? failure.message,
        ...(failure.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? { attempt: ACTIVITY_MAX_ATTEMPTS } : {}),
      },
    });
    for (const effect of effects) await this.effect(effect);
    await condition(() => woken(this.state, ticket));
    return this.feed({ kind: 'answered', ticket: ticket! }).answer;
  }

  /** One effect, as the machine asked for it. */
  private async effect(effect: ApplicationEffect): Promise<unknown> {
    const { input } = this;
    const proxy = this.incidents ? activities : applicationActivities;
    switch (effect.kind) {
      case 'call':
        return await (proxy[effect.activity] as (args: unknown) => Promise<unknown>)(effect.args);
      case 'journal': {
        const { key, on, type, data } = effect;
        return await proxy.appendJournal({ partnerId: input.partnerId, entries: [{ key, on, type, data }] });
      }
      case 'details':
        return setCurrentDetails(effect.text);
      case 'search-attributes':
        return upsertSearchAttributes([
          { key: ApnNextEbrWindow, value: effect.window },
          { key: ApnLifecycleStage, value: effect.stage },
        ]);
      case 'incident':
        return await getExternalWorkflowHandle(input.parentWorkflowId).signal(applicationIncidentSignal, effect.report);
      case 'decided':
        return await getExternalWorkflowHandle(input.parentWorkflowId).signal(
          applicationDecidedSignal,
          effect.decision,
        );
    }
  }
}
