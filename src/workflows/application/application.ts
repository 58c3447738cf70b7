/**
 * One upgrade application's progress and steps (R-UPGRADE, R-PREMIER, R-EBR), for the application workflow: the rules
 * (sustained streak, readiness, lapse, EBR windows) come from src/domain/membership; this class performs them.
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
import { addDays } from '../../domain/dates';
import type { EbrWindow } from '../../domain/ebr';
import {
  deferredEbrWindow,
  firstEbrWindow,
  isReady,
  isSustained,
  lapseReasons,
  lapsesAfterCheck,
  nextSustainedCheck,
  sustainedStreak,
} from '../../domain/membership';
import type { BusinessClock } from '../clock';
import { ACTIVITY_MAX_ATTEMPTS, activities, applicationActivities, applicationWorkflowId } from '../common';
import { applicationDecidedSignal, applicationIncidentSignal } from '../definitions';
import { ApnLifecycleStage, ApnNextEbrWindow } from '../search-attributes';
import type {
  ApplicationDecision,
  ApplicationOutcome,
  ApplicationStatus,
  EbrOutcomeCommand,
  IsoDate,
  MonthlySummary,
  UpgradeApplicationInput,
  WithdrawCommand,
} from '../types';

const lifecycle = currentEdition.lifecycle;
type Activities = typeof activities;
type ApplicationRow = Parameters<Activities['recordApplication']>[0];

/** The operator's answer to the application's incident, as its partner workflow passes it on. */
export interface StepResolution {
  incidentId: string;
  action: 'retry' | 'dismiss';
  by: string;
}

/**
 * Thrown out of a step waiting for its incident's answer when the application is withdrawn meanwhile (a cancellation,
 * a downgrade, or the incident dismissed); caught by the workflow, which then closes the application `withdrawn`.
 */
export class StepAbandoned extends Error {}

export class Application {
  readonly premier: boolean;
  readonly status: ApplicationStatus;
  private readonly checks: MonthlySummary[];
  private seq = 0;
  ebrOutcome: EbrOutcomeCommand | undefined;
  readinessChanged = false;
  withdrawal: WithdrawCommand | undefined;
  private nextCheck: IsoDate;
  /** The answers to the application's incidents, in order (see call). */
  private readonly resolutions: StepResolution[] = [];
  /** Closing after a withdrawal: a dismissed incident then skips its step instead of withdrawing again. */
  private closing = false;

  /**
   * `maintain` — R-PREMIER "meet and maintain": monthly checks go on until the decision and a failed one closes the
   * application `lapsed`. Applications started before this rule stopped checking at six months.
   * `incidents` — an activity that failed for good becomes an incident on the partner and the step waits for the
   * operator; applications started before that retried for ever, and failed on a business refusal.
   */
  constructor(
    readonly input: UpgradeApplicationInput,
    readonly clock: BusinessClock,
    private readonly maintain: boolean,
    private readonly incidents: boolean,
  ) {
    this.premier = input.targetTier === 'premier';
    this.checks = [...input.priorMonthly];
    this.nextCheck = nextSustainedCheck(input.submittedOn);
    this.status = {
      number: input.number,
      workflowId: applicationWorkflowId(input.parentWorkflowId, input.number),
      targetTier: input.targetTier,
      submittedOn: input.submittedOn,
      stage: this.premier ? 'sustaining' : 'evaluating',
      sustainedMonths: 0,
      gaps: [],
    };
  }

  /** The operator answered the application's incident (through the partner's incident resolution). */
  resolved(resolution: StepResolution): void {
    this.resolutions.push(resolution);
  }

  /**
   * Calls an activity. One that fails for good (a business refusal, or its retries exhausted) is reported to the
   * partner as an incident and the step waits for the operator: retry calls it again, dismiss withdraws the
   * application (or, while it is closing, skips the step). Never fails the application workflow.
   */
  async call<K extends keyof Activities>(
    name: K,
    arg: Parameters<Activities[K]>[0],
  ): Promise<Awaited<ReturnType<Activities[K]>>> {
    type Result = Awaited<ReturnType<Activities[K]>>;
    const proxy = (this.incidents ? activities : applicationActivities)[name] as (a: typeof arg) => Promise<Result>;
    for (;;) {
      try {
        return await proxy(arg);
      } catch (error) {
        if (!this.incidents || !(error instanceof ActivityFailure)) throw error;
        const resolution = await this.waitForOperator(error);
        if (resolution === 'retry') continue;
        // Only void activities (store row, journal, notification) run while closing: the step is left undone.
        if (this.closing) return undefined as Result;
        throw new StepAbandoned(`application #${this.input.number} withdrawn while its step waited`);
      }
    }
  }

  /** Reports the failure to the partner workflow and waits for the operator's answer (or a withdrawal). */
  private async waitForOperator(failure: ActivityFailure): Promise<'retry' | 'dismiss'> {
    const { input, status } = this;
    const cause = failure.cause instanceof ApplicationFailure ? failure.cause : undefined;
    const answered = this.resolutions.length;
    log.warn('application step failed: waiting for the operator', { workflowId: status.workflowId, failure });
    await getExternalWorkflowHandle(input.parentWorkflowId).signal(applicationIncidentSignal, {
      number: input.number,
      activity: failure.activityType,
      ...(cause?.type ? { errorType: cause.type } : {}),
      reason: cause?.message ?? failure.message,
      ...(failure.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? { attempt: ACTIVITY_MAX_ATTEMPTS } : {}),
    });
    await condition(() => this.resolutions.length > answered || (!this.closing && this.withdrawn()));
    const resolution = this.resolutions[answered];
    if (!resolution) return 'dismiss';
    if (resolution.action === 'dismiss' && !this.closing) {
      this.withdrawal ??= { reason: `incident ${resolution.incidentId} dismissed`, by: resolution.by };
    }
    return resolution.action;
  }

  /** Adds an entry to the partner's timeline (idempotent on the application's own key). */
  async journal(on: IsoDate, type: string, data: Record<string, unknown>): Promise<void> {
    this.seq += 1;
    const { input, status } = this;
    await this.call('appendJournal', {
      partnerId: input.partnerId,
      entries: [{ key: `${status.workflowId}#${this.seq}`, on, type, data: { application: input.number, ...data } }],
    });
  }

  /** Writes the application's store row: who applied for what, and `row` (its status, decision and EBR window). */
  private async recordRow(row: Pick<ApplicationRow, 'status' | 'decidedOn' | 'gaps' | 'ebrWindow'>): Promise<void> {
    const { input, status } = this;
    await this.call('recordApplication', {
      id: status.workflowId,
      partnerId: input.partnerId,
      number: input.number,
      targetTier: input.targetTier,
      feeAccountId: input.feeAccountId,
      submittedOn: input.submittedOn,
      submittedBy: input.submittedBy,
      ...row,
    });
  }

  /** The Web UI's current details. */
  show(): void {
    const { input, status } = this;
    const lines = [
      `Application #${input.number}: ${input.fromTier} → **${input.targetTier}** (submitted ${input.submittedOn} by ${input.submittedBy})`,
      `Stage: ${status.stage}`,
    ];
    if (this.premier) {
      lines.push(
        `Sustained Premier attainment: ${status.sustainedMonths} of ${lifecycle.sustainedAttainment.months} months`,
      );
      lines.push(`Readiness pre-assessment: ${status.readiness ? status.readiness.outcome : 'not recorded'}`);
      if (status.ebrWindow)
        lines.push(`EBR window ${status.ebrWindow.id}: ${status.ebrWindow.opensOn} → ${status.ebrWindow.closesOn}`);
    }
    setCurrentDetails(lines.join('\n'));
  }

  /** Records the decision (store, timeline, Alliance Lead) and reports it to the partner workflow. */
  async decide(outcome: ApplicationOutcome, reasons: string[], by: string): Promise<ApplicationDecision> {
    const { input, status } = this;
    const decidedOn = this.clock.today();
    const decision: ApplicationDecision = {
      number: input.number,
      targetTier: input.targetTier,
      outcome,
      decidedOn,
      reasons,
      by,
    };
    status.decision = decision;
    status.stage = outcome;
    await this.recordRow({ status: outcome, decidedOn, gaps: reasons, ebrWindow: status.ebrWindow?.id });
    const closed = outcome === 'approved' || outcome === 'rejected' ? `application-${outcome}` : 'application-closed';
    await this.journal(decidedOn, closed, {
      targetTier: input.targetTier,
      reasons,
      by,
      ...(closed === 'application-closed' ? { outcome } : {}),
    });
    await this.call('notify', {
      key: `${status.workflowId}#decision`,
      partnerId: input.partnerId,
      kind: `application-${outcome}`,
      recipient: 'alliance-lead',
      on: decidedOn,
      payload: { application: input.number, targetTier: input.targetTier, reasons },
    });
    this.show();
    await getExternalWorkflowHandle(input.parentWorkflowId).signal(applicationDecidedSignal, decision);
    return decision;
  }

  /** R-UPGRADE: Select and Advanced are judged on the application date, under the requirements in force. */
  async decideOnEvidence(): Promise<ApplicationDecision> {
    const { input } = this;
    const result = await this.call('evaluatePartner', {
      partnerId: input.partnerId,
      asOf: input.submittedOn,
      targetTier: input.targetTier,
    });
    this.status.gaps = result.gaps;
    return result.tierMet[input.targetTier] === true
      ? await this.decide('approved', [], 'rules-engine')
      : await this.decide('rejected', result.gaps, 'rules-engine');
  }

  /** R-PREMIER (1): a sustained-attainment check as of `on`. */
  private async check(on: IsoDate): Promise<void> {
    const { input, status } = this;
    const result = await this.call('evaluatePartner', { partnerId: input.partnerId, asOf: on, targetTier: 'premier' });
    this.checks.push({ on, highestTierMet: result.highestTierMet, premierMet: result.premierMet });
    const { since, months: streak } = sustainedStreak(this.checks, on);
    status.sustainedSince = since;
    status.sustainedMonths = streak;
    status.gaps = result.gaps;
    await this.journal(on, 'sustained-check', {
      premierMet: result.premierMet,
      sustainedSince: since ?? null,
      months: status.sustainedMonths,
      required: lifecycle.sustainedAttainment.months,
      ...(result.premierMet ? {} : { gaps: result.gaps }),
    });
    this.show();
  }

  private sustained = (): boolean => isSustained(this.status, lifecycle);
  private withdrawn = (): boolean => this.withdrawal !== undefined;
  /** Closes the application `withdrawn` (a cancellation, a downgrade, or its incident dismissed). */
  closeWithdrawn = () => {
    this.closing = true;
    return this.decide('withdrawn', [this.withdrawal!.reason], this.withdrawal!.by);
  };
  private closeLapsed = () => this.decide('lapsed', lapseReasons(this.status), 'rules-engine');

  /** The monthly check that fell due (meet and maintain): false when it failed after six months were reached. */
  private async maintained(): Promise<boolean> {
    const wasSustained = this.sustained();
    await this.check(this.nextCheck);
    this.nextCheck = nextSustainedCheck(this.nextCheck);
    return !lapsesAfterCheck(this.maintain, wasSustained, this.status);
  }

  /**
   * R-PREMIER (1) and (2): checked now and on the 1st of every month until six months are sustained and the
   * readiness pre-assessment passed. Resolves with a decision when it closed on the way (withdrawn, lapsed).
   */
  async sustainAndGetReady(): Promise<ApplicationDecision | undefined> {
    const { status } = this;
    await this.check(this.input.submittedOn);
    while (!(this.sustained() && isReady(status))) {
      status.stage = this.sustained() ? 'awaiting-readiness' : 'sustaining';
      this.show();
      this.readinessChanged = false;
      const checking = !this.sustained() || this.maintain;
      const woken = await this.clock.waitUntil(
        checking ? this.nextCheck : undefined,
        () => this.readinessChanged || this.withdrawn(),
      );
      if (this.withdrawn()) return await this.closeWithdrawn();
      if (!woken && checking && !(await this.maintained())) return await this.closeLapsed();
    }
    return undefined;
  }

  /** R-EBR: the EBR is scheduled in `window` (store, timeline, Partner Manager). */
  private async scheduleEbr(window: EbrWindow): Promise<void> {
    const { input, status } = this;
    // Cleared before the stage says 'scheduled-for-ebr': an outcome recorded while the scheduling activities below
    // still run must not be wiped out.
    this.ebrOutcome = undefined;
    status.ebrWindow = window;
    status.stage = 'scheduled-for-ebr';
    upsertSearchAttributes([
      { key: ApnNextEbrWindow, value: window.id },
      { key: ApnLifecycleStage, value: 'scheduled-for-ebr' },
    ]);
    await this.recordRow({ status: 'in-progress', ebrWindow: window.id });
    await this.journal(this.clock.today(), 'ebr-scheduled', {
      window: window.id,
      opensOn: window.opensOn,
      closesOn: window.closesOn,
    });
    await this.call('notify', {
      key: `${status.workflowId}#ebr#${window.id}`,
      partnerId: input.partnerId,
      kind: 'ebr-scheduled',
      recipient: 'partner-manager',
      on: this.clock.today(),
      payload: { application: input.number, window },
    });
    this.show();
  }

  /**
   * R-PREMIER (3) / R-EBR: the earliest window not yet ended on the day (1) and (2) both hold; a deferral, or a window
   * that ended without an outcome, moves the EBR to the next window. Meet and maintain goes on meanwhile.
   */
  async executiveBusinessReview(): Promise<ApplicationDecision> {
    let window: EbrWindow = firstEbrWindow(this.clock.today(), lifecycle);
    for (;;) {
      await this.scheduleEbr(window);
      // The window's last day is closesOn; with no outcome by the end of it, the EBR moves to the next window.
      const ended = addDays(window.closesOn, 1);
      for (;;) {
        const until = this.maintain && this.nextCheck < ended ? this.nextCheck : ended;
        const woken = await this.clock.waitUntil(until, () => this.ebrOutcome !== undefined || this.withdrawn());
        if (this.withdrawn()) return await this.closeWithdrawn();
        if (woken || until === ended) break;
        if (!(await this.maintained())) return await this.closeLapsed();
      }
      const outcome = this.ebrOutcome;
      await this.journal(this.clock.today(), 'ebr-outcome', {
        window: window.id,
        outcome: outcome?.outcome ?? 'no-outcome',
        ...(outcome ? { by: outcome.by } : {}),
        ...(outcome?.notes ? { notes: outcome.notes } : {}),
      });
      if (outcome?.outcome === 'approved') return await this.decide('approved', [], outcome.by);
      if (outcome?.outcome === 'rejected') {
        return await this.decide(
          'rejected',
          [outcome.notes ?? 'rejected at the Executive Business Review'],
          outcome.by,
        );
      }
      window = deferredEbrWindow(window, lifecycle);
    }
  }
}
