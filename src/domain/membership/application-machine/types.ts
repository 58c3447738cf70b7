/**
 * An upgrade application as one reducer (issue #10, Build 1 and 2), read like the partner's (../machine):
 * `stepApplication(state, date, input) → { state, effects }`. Its inputs are the Partner Manager's commands and the
 * partner's signals, a wait that ended (timer or wake), an evaluation's result, an activity that failed for good and
 * the operator's answer to it; its effects are the activities to call, the journal entries, the Web UI's details, the
 * search attributes and the signals to the partner. Pure: no Temporal, no I/O, no clock.
 */
import type { EbrWindow } from '../../ebr';
import type { Refusal } from '../checks';
import type { Evaluation } from '../machine/types';
import type {
  ApplicationDecision,
  ApplicationIncidentReport,
  ApplicationStatus,
  AssessmentCommand,
  EbrOutcomeCommand,
  IsoDate,
  MonthlySummary,
  Tier,
  WithdrawCommand,
} from '../types';

export type { Evaluation };

/** Who applied for what: the facts every store row of the application repeats. */
export interface ApplicationFacts {
  partnerId: string;
  number: number;
  workflowId: string;
  fromTier: Tier;
  targetTier: Tier;
  submittedOn: IsoDate;
  submittedBy: string;
  feeAccountId: string;
}

/** The operator's answer to the application's incident, as its partner workflow passes it on. */
export interface StepResolution {
  incidentId: string;
  action: 'retry' | 'dismiss';
  by: string;
}

/** The commands and signals an application accepts while it runs. */
export type ApplicationCommand =
  | { kind: 'readiness'; cmd: AssessmentCommand }
  | { kind: 'ebr-outcome'; cmd: EbrOutcomeCommand }
  | { kind: 'withdraw'; cmd: WithdrawCommand }
  | { kind: 'resolution'; resolution: StepResolution };

/** An activity that failed for good (a business refusal, or its retries exhausted). */
export type StepFailure = Omit<ApplicationIncidentReport, 'number'>;

export type ApplicationInput =
  | { kind: 'start' }
  | { kind: 'command'; command: ApplicationCommand }
  /** The effects of the last step were performed (the machine goes on from where it left off). */
  | { kind: 'performed' }
  | { kind: 'evaluated'; result: Evaluation }
  /** The wait ended: `woken` when what it waited for came, else its date began. */
  | { kind: 'waited'; woken: boolean }
  /** An activity failed for good: it becomes an incident on the partner; `ticket` then names the operator's answer. */
  | { kind: 'failed'; failure: StepFailure }
  /** The operator answered (or the application was withdrawn meanwhile) the incident of `ticket`. */
  | { kind: 'answered'; ticket: number }
  /** A step waiting for its incident's answer was abandoned (dismissed or withdrawn): the application closes. */
  | { kind: 'abandoned' };

/** Where the application goes on once its effects are performed. */
export type Continuation = 'sustain' | 'after-check' | 'ebr-wait';

/** What the application waits for before it goes on (the next main-line input must answer it). */
export type Awaiting =
  | { step: 'effects'; then: Continuation }
  | { step: 'evaluation'; on: IsoDate; purpose: 'decide' | 'check' }
  /** A wait until `until` begins (none: for the wake alone), woken by what `for` names or a withdrawal. */
  | { step: 'wait'; for: 'readiness' | 'ebr-outcome'; until?: IsoDate; checking: boolean; ended?: IsoDate };

export interface ApplicationMachineState {
  application: ApplicationFacts;
  /** R-PREMIER meet and maintain (patch `premier-meet-and-maintain`): monthly checks go on until the decision. */
  maintain: boolean;
  status: ApplicationStatus;
  checks: MonthlySummary[];
  nextCheck: IsoDate;
  /** The last journal entry's number (its key is `<workflowId>#<n>`). */
  journalSeq: number;
  /** Whether the streak was reached before the check in flight (a failed check after it lapses the application). */
  wasSustained: boolean;
  ebrOutcome?: EbrOutcomeCommand;
  readinessChanged: boolean;
  withdrawal?: WithdrawCommand;
  /** Closing after a withdrawal: a dismissed incident then skips its step instead of withdrawing again. */
  closing: boolean;
  /** The operator's answers to the application's incidents, in order. */
  resolutions: StepResolution[];
  awaiting?: Awaiting;
}

export type ApplicationEffect =
  | { kind: 'call'; activity: 'notify' | 'recordApplication' | 'evaluatePartner'; args: Record<string, unknown> }
  | { kind: 'journal'; key: string; on: IsoDate; type: string; data: Record<string, unknown> }
  | { kind: 'details'; text: string }
  | { kind: 'search-attributes'; window: EbrWindow['id']; stage: 'scheduled-for-ebr' }
  | { kind: 'incident'; report: ApplicationIncidentReport }
  | { kind: 'decided'; decision: ApplicationDecision };

/** The operator's answer to an incident, for the step waiting on it. */
export type IncidentAnswer = 'retry' | 'skip' | 'abandon';

export interface ApplicationStepResult {
  state: ApplicationMachineState;
  effects: ApplicationEffect[];
  /** The command's refusal (nothing changed). */
  refusal?: Refusal;
  /** For `failed`: the ticket the step waits on (see `incidentAnswered`). */
  ticket?: number;
  /** For `answered`: what the failed step does now. */
  answer?: IncidentAnswer;
  /** The decision, once made (the workflow's result). */
  decision?: ApplicationDecision;
}
