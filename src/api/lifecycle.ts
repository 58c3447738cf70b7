/**
 * The API's side of the lifecycle workflows: starts a partner's workflow and sends it the commands people make,
 * through the definition objects (never handler names), each call bounded by a deadline so a stalled Temporal
 * answers 503 instead of hanging the request.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import {
  applicationStatusQuery,
  applyForUpgradeUpdate,
  evidenceChangedSignal,
  grantExtensionUpdate,
  partnerStatusQuery,
  recordEbrOutcomeUpdate,
  recordPaymentUpdate,
  recordReadinessUpdate,
  reinstateTierUpdate,
  requestCancellationUpdate,
  decideCaseUpdate,
  resolveIncidentUpdate,
} from '../workflows/definitions';
import { applicationWorkflowId as childApplicationId, partnerWorkflowId } from '../workflows/ids';
import type { partnerLifecycle } from '../workflows/partner-lifecycle';
import type {
  ApplicationStatus,
  ApplyCommand,
  AssessmentCommand,
  CancellationCommand,
  CaseDecisionCommand,
  ClockOptions,
  EbrOutcomeCommand,
  ExtensionCommand,
  Incident,
  IncidentCommand,
  IsoDate,
  PartnerProfile,
  PartnerStatus,
  PaymentCommand,
  ReinstateCommand,
} from '../workflows/types';

/**
 * A partner workflow task's timeout (Temporal's default is 10 s): the task holds its store calls, run as local
 * activities (src/workflows/common.ts, `storeCallOf`), up to four in a row on a monthly check. The SDK keeps a task
 * alive past 80% of this timeout while a local activity runs, but only once the worker's thread has handed it over:
 * on an overloaded worker (the 1000-partner sweep at load ~26) 166 tasks lost their lease and the server answered
 * "Task not found" to their completion. 30 s leaves three times the margin; what it costs is that a task held by a
 * worker that died is given to another after 30 s instead of 10. Continue-as-new keeps the run's timeout.
 */
export const PARTNER_WORKFLOW_TASK_TIMEOUT = '30 seconds';

/** How long one Temporal call may take (a start, a signal, a query). */
const CALL_TIMEOUT_MS = 15_000;

/**
 * How long a command (an Update) waits for the workflow's answer. The Update rides on a workflow task, and the
 * server can lose a task it handed out: on a starved machine it records the start, then gives up on the answer's
 * delivery to the worker (temporalio/temporal#11733; the load test beside another suite lost 6 of 40 partners'
 * tasks in one run), and gives the task again only once its timeout passed. So a command waits out a lost task
 * (PARTNER_WORKFLOW_TASK_TIMEOUT) and then a call's time, instead of answering 503 for a command that goes through
 * a few seconds later.
 */
export const COMMAND_TIMEOUT_MS = msToNumber(PARTNER_WORKFLOW_TASK_TIMEOUT) + CALL_TIMEOUT_MS;

export interface LifecycleOptions {
  taskQueue: string;
  /** Business clock handed to every workflow started here; offset 0 in production. */
  clock?: ClockOptions;
  /** Upper bound of one Temporal call (default 15 s); when given without `commandTimeoutMs`, it bounds commands too. */
  callTimeoutMs?: number;
  /** Upper bound of a command, an Update waiting for the workflow's answer (default COMMAND_TIMEOUT_MS). */
  commandTimeoutMs?: number;
}

/** `updateId`: the Temporal Update id; a second Update with the same id gets the first one's outcome. */
export interface UpdateOptions {
  updateId?: string | undefined;
}

function updateIdOf(options: UpdateOptions): { updateId?: string } {
  return options.updateId === undefined ? {} : { updateId: options.updateId };
}

/** The profile a partner's lifecycle runs for, from its registration (the API's body, a scenario's partner). */
export function partnerProfileOf(
  registration: Pick<PartnerProfile, 'id' | 'name' | 'track' | 'tier' | 'renewalDate' | 'country'> & {
    feeAccountId?: string | null | undefined;
  },
): PartnerProfile {
  return {
    id: registration.id,
    name: registration.name,
    track: registration.track,
    tier: registration.tier,
    renewalDate: registration.renewalDate,
    country: registration.country,
    ...(registration.feeAccountId ? { feeAccountId: registration.feeAccountId } : {}),
  };
}

export { partnerWorkflowId };
export const applicationWorkflowId = (partnerId: string, number: number): string =>
  childApplicationId(partnerWorkflowId(partnerId), number);

export class Lifecycle {
  readonly clock: ClockOptions;
  private readonly callTimeoutMs: number;
  private readonly commandTimeoutMs: number;

  constructor(
    /** The Temporal client; the reseller billing client layer (reseller-workflows.ts) starts its workflows with it. */
    readonly client: Client,
    private readonly options: LifecycleOptions,
  ) {
    this.clock = options.clock ?? { offsetMs: 0 };
    this.callTimeoutMs = options.callTimeoutMs ?? CALL_TIMEOUT_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? options.callTimeoutMs ?? COMMAND_TIMEOUT_MS;
  }

  /** Today on the business clock (UTC calendar day). */
  today(): IsoDate {
    return new Date(Date.now() + this.clock.offsetMs).toISOString().slice(0, 10);
  }

  /** The task queue the workflows started here run on. */
  get taskQueue(): string {
    return this.options.taskQueue;
  }

  /** One Temporal call (a start, a signal, a query), up to the call deadline. */
  call<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.callTimeoutMs, fn);
  }

  /**
   * A command: the Update `definition` to the workflow `workflowId`, waiting for its answer up to the command
   * deadline; with `options.updateId`, a second send gets the first one's outcome.
   */
  update<Ret, Args extends [unknown, ...unknown[]]>(
    workflowId: string,
    definition: UpdateDefinition<Ret, Args>,
    args: Args,
    options: UpdateOptions = {},
  ): Promise<Ret> {
    const handle = this.client.workflow.getHandle(workflowId);
    return this.client.connection.withDeadline(Date.now() + this.commandTimeoutMs, () =>
      handle.executeUpdate(definition, { args, ...updateIdOf(options) }),
    );
  }

  private partner(partnerId: string): WorkflowHandle<typeof partnerLifecycle> {
    return this.client.workflow.getHandle<typeof partnerLifecycle>(partnerWorkflowId(partnerId));
  }

  /**
   * Starts the partner's lifecycle unless it already exists (running or closed: a closed lifecycle is never
   * restarted from scratch, which would forget its state). Resolves whether this call started it, and its first run.
   * `summary` replaces the Web UI summary; `continueAsNewAfterEvents` is a test hook of the workflow.
   */
  async start(
    partner: PartnerProfile,
    extra: { lookBackFrom?: IsoDate; summary?: string; continueAsNewAfterEvents?: number } = {},
  ): Promise<{ started: true; firstRunId: string } | { started: false }> {
    try {
      const handle = await this.call(() =>
        this.client.workflow.start('partnerLifecycle', {
          taskQueue: this.options.taskQueue,
          workflowId: partnerWorkflowId(partner.id),
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowTaskTimeout: PARTNER_WORKFLOW_TASK_TIMEOUT,
          args: [
            {
              partner,
              clock: this.clock,
              ...(extra.lookBackFrom ? { lookBackFrom: extra.lookBackFrom } : {}),
              ...(extra.continueAsNewAfterEvents ? { continueAsNewAfterEvents: extra.continueAsNewAfterEvents } : {}),
            },
          ],
          memo: { partnerName: partner.name },
          staticSummary: extra.summary ?? `${partner.name} (${partner.track}, ${partner.tier} at registration)`,
        }),
      );
      return { started: true, firstRunId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
      throw error;
    }
  }

  /**
   * The partner's lifecycle state, or undefined when its workflow does not exist. `timeoutMs` shortens the deadline
   * for reads that have an answer to fall back on.
   */
  async status(partnerId: string, options: { timeoutMs?: number } = {}): Promise<PartnerStatus | undefined> {
    try {
      const deadline = Date.now() + Math.min(options.timeoutMs ?? this.callTimeoutMs, this.callTimeoutMs);
      return await this.client.connection.withDeadline(deadline, () =>
        this.partner(partnerId).query(partnerStatusQuery),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  evidenceChanged(partnerId: string, version: number, on: IsoDate): Promise<void> {
    return this.call(() => this.partner(partnerId).signal(evidenceChangedSignal, { version, on }));
  }

  apply(
    partnerId: string,
    cmd: ApplyCommand,
    options: UpdateOptions = {},
  ): Promise<{ number: number; workflowId: string }> {
    return this.update(partnerWorkflowId(partnerId), applyForUpgradeUpdate, [cmd], options);
  }

  pay(
    partnerId: string,
    cmd: PaymentCommand,
    options: UpdateOptions = {},
  ): Promise<{ invoiceId: string; paidOn: string }> {
    return this.update(partnerWorkflowId(partnerId), recordPaymentUpdate, [cmd], options);
  }

  extend(partnerId: string, cmd: ExtensionCommand, options: UpdateOptions = {}): Promise<{ deadline: string }> {
    return this.update(partnerWorkflowId(partnerId), grantExtensionUpdate, [cmd], options);
  }

  cancel(partnerId: string, cmd: CancellationCommand, options: UpdateOptions = {}): Promise<{ caseId: string }> {
    return this.update(partnerWorkflowId(partnerId), requestCancellationUpdate, [cmd], options);
  }

  resolveIncident(
    partnerId: string,
    cmd: IncidentCommand,
    options: UpdateOptions = {},
  ): Promise<{ incidents: Incident[] }> {
    return this.update(partnerWorkflowId(partnerId), resolveIncidentUpdate, [cmd], options);
  }

  decideCase(
    partnerId: string,
    cmd: CaseDecisionCommand,
    options: UpdateOptions = {},
  ): Promise<{ caseId: string; outcome: string }> {
    return this.update(partnerWorkflowId(partnerId), decideCaseUpdate, [cmd], options);
  }

  reinstate(partnerId: string, cmd: ReinstateCommand, options: UpdateOptions = {}): Promise<{ tier: string }> {
    return this.update(partnerWorkflowId(partnerId), reinstateTierUpdate, [cmd], options);
  }

  private application(partnerId: string, number: number): WorkflowHandle {
    return this.client.workflow.getHandle(applicationWorkflowId(partnerId, number));
  }

  /** An application's progress, or undefined when no such application workflow exists. */
  async applicationStatus(partnerId: string, number: number): Promise<ApplicationStatus | undefined> {
    try {
      return await this.call(() => this.application(partnerId, number).query(applicationStatusQuery));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  recordReadiness(
    partnerId: string,
    number: number,
    cmd: AssessmentCommand,
    options: UpdateOptions = {},
  ): Promise<ApplicationStatus> {
    return this.update(applicationWorkflowId(partnerId, number), recordReadinessUpdate, [cmd], options);
  }

  recordEbrOutcome(
    partnerId: string,
    number: number,
    cmd: EbrOutcomeCommand,
    options: UpdateOptions = {},
  ): Promise<ApplicationStatus> {
    return this.update(applicationWorkflowId(partnerId, number), recordEbrOutcomeUpdate, [cmd], options);
  }

  /** Resolves when Temporal answers (readiness probe). */
  async ping(): Promise<void> {
    await this.client.connection.withDeadline(Date.now() + 3_000, () => this.client.workflowService.getSystemInfo({}));
  }
}
