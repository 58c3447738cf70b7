/**
 * The membership as one reducer (issue #10): `step(state, date, input) → { state, effects }`. Its inputs are the
 * workflow's start, a command, a timer firing, an outside fault (journal, status sync) or the outcome of the effect it
 * awaits; its effects are what the workflow performs: activity calls with their real inputs, patch questions, the
 * application's child start and signals, journal entries, logs, an early answer and the search attributes. Pure: no
 * Temporal, no I/O, no clock.
 */
import type { Refusal } from '../checks';
import type { IncidentStep, IsoDate, LifecycleState, MembershipCommand, Tier, UpgradeApplicationArgs } from '../types';

/** What the scorecard said (the evaluatePartner activity's answer). */
export interface Evaluation {
  highestTierMet: Tier;
  premierMet: boolean;
  tierMet: Partial<Record<Tier, boolean>>;
  gaps: string[];
  evidenceVersion?: number | null;
}

/** The fee invoice the billing side issued (the issueFeeInvoice activity's answer). */
export interface IssuedInvoice {
  invoiceId: string;
  total: number;
  fee?: number;
  tax?: number;
  taxNote?: string;
  payerAccountId?: string;
  feeAccountId?: string;
  paidViaAdvancePay?: boolean;
}

/** Work that failed for good (a business refusal, or its retries exhausted), as the shell saw it. */
export interface Failure {
  activity?: string;
  errorType?: string;
  reason: string;
  /** Attempts made, when retries ran out. */
  attempt?: number;
}

/** The outcome of an awaited effect: its value, or its failure. */
export type Outcome = { ok: true; value?: unknown } | { ok: false; failure: Failure };

/** The work one input starts; it runs (over as many awaited outcomes as it needs) until it is done. */
export type Work =
  /** The workflow's first run: the registration entry and, for a migrated partner, the look-back. */
  | { kind: 'start'; lookBackFrom?: IsoDate }
  | { kind: 'command'; command: MembershipCommand }
  /** The timer fired: run the first step of the schedule due by `by` (the date when absent), or settle the day. */
  | { kind: 'timer'; by?: IsoDate }
  /** Work outside the machine failed for good (writing the journal, syncing the status): an incident. */
  | { kind: 'fault'; step: Extract<IncidentStep, 'journal' | 'status-sync'>; on: IsoDate; failure: Failure };

export type MachineInput = Work | { kind: 'outcome'; outcome: Outcome };

/** The application child's start: the shell adds the Temporal options (policies, search attribute keys, clock). */
export interface ApplicationStart {
  workflowId: string;
  summary: string;
  partnerName: string;
  attributes: { partnerId: string; track: string; tier: Tier; stage: 'application' };
  args: UpgradeApplicationArgs;
}

export type Effect =
  /** Awaited: an activity and its input. */
  | { kind: 'call'; activity: string; args: Record<string, unknown> }
  /** Awaited: whether the workflow runs the patched branch `name` (the shell asks Temporal's patched()). */
  | { kind: 'patched'; name: string }
  /** Awaited: start the application's child workflow. */
  | { kind: 'start-application'; start: ApplicationStart }
  /** Awaited: signal the application's workflow (it may be closed: a failure is logged, not an incident). */
  | { kind: 'signal-application'; workflowId: string; signal: 'withdraw' | 'resolve-step'; payload: object }
  | { kind: 'journal'; key: string; on: IsoDate; type: string; data: Record<string, unknown> }
  | { kind: 'log'; level: 'info' | 'warn'; message: string; data: Record<string, unknown> }
  /** The command's caller is answered now; what fails after is an incident only. */
  | { kind: 'answer'; value: unknown }
  | { kind: 'search-attributes'; tier: Tier; stage: string; atRisk: boolean; needsAttention: boolean };

/** An effect the machine waits on: its next input must be its outcome. */
export type AwaitedEffect = Extract<Effect, { kind: 'call' | 'patched' | 'start-application' | 'signal-application' }>;

/** Work under way: re-run from `base` with the outcomes so far (each with the date it came in) until it is done. */
export interface Running {
  work: Work;
  base: LifecycleState;
  outcomes: Outcome[];
  /** The date the work started, then the date of each outcome. */
  dates: IsoDate[];
  /** Effects already handed to the shell. */
  emitted: number;
}

export interface MachineState {
  membership: LifecycleState;
  /** The partner workflow's id (the owner of its applications' ids); `partner/<id>` when absent. */
  workflowId?: string;
  awaiting?: Running;
}

export interface StepResult {
  state: MachineState;
  effects: Effect[];
  /** Set while the work waits: the effect whose outcome is the next input. */
  awaits?: AwaitedEffect;
  /** The work is done: a command's answer (when it did not answer early). */
  answer?: { value: unknown };
  /** The command's refusal: a check (nothing changed), or its work failed for good (an incident is open). */
  refusal?: Refusal;
  /** The timer found nothing due by its date (it settled the day): the workflow may sleep. */
  idle: boolean;
}
