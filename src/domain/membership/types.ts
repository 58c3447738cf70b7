/**
 * The membership's plain data (R-FEE, R-GRACE, R-RENEWAL, R-UPGRADE, R-PREMIER): the state a partner's lifecycle
 * carries from run to run, its commands, and the views read from it. No zod, no I/O, no Temporal: the lifecycle
 * workflows bundle this file, and the API and CLI import it for typing.
 */

import type { ApplicationOutcome, ApplicationStage, EbrOutcome, ReadinessOutcome } from '../applications';
import type { CaseReason } from '../cases';
import type { IsoDate } from '../dates';
import type { PaymentMethod } from '../payments';
export type { PaymentMethod };
import type { Tier, Track } from '../tier-ladder';

export type { ApplicationOutcome, CaseReason, EbrOutcome, IsoDate, ReadinessOutcome, Tier, Track };
export { APPLICATION_OUTCOMES } from '../applications';

/** The partner profile the lifecycle runs for. */
export interface PartnerProfile {
  id: string;
  name: string;
  track: Track;
  tier: Tier;
  /** Membership renewal month and day, `MM-DD` (R-FEE, R-RENEWAL). */
  renewalDate: string;
  /** ISO 3166-1 alpha-2; outside `US` the fee carries VAT/GST (R-FEE). */
  country: string;
  feeAccountId?: string;
}

/** Error types every workflow refusal carries (ApplicationFailure.type): the engine's one vocabulary. */
export { LifecycleErrorType } from '../errors';

/** The scheduled steps of the partner calendar, and the other kinds of work an incident can stop. */
export type IncidentStep =
  | 'monthly-check'
  | 'renewal-review'
  | 'renewal-fee'
  | 'grace-step'
  | 'case-end'
  | 'case-escalation'
  | 'status-sync'
  | 'journal'
  | 'command'
  /** A step of the open upgrade application (its child workflow waits for the operator's retry). */
  | 'application';

/**
 * Work that failed for a business reason (a non-retryable activity failure): the partner workflow keeps running its
 * calendar, the step stays blocked, and an operator retries or dismisses it (never the workflow's end).
 */
export interface Incident {
  id: string;
  step: IncidentStep;
  /** The business date the step was due on (the day the command ran, for commands). */
  on: IsoDate;
  /** The step's own argument when it differs from `on` (the renewal date of a review or fee). */
  arg?: IsoDate;
  openedOn: IsoDate;
  /** The command that failed, for `command` incidents. */
  command?: string;
  /** The application whose step failed, for `application` incidents. */
  application?: number;
  activity?: string;
  errorType?: string;
  reason: string;
  attempt?: number;
}

export interface IncidentCommand {
  incidentId: string;
  action: 'retry' | 'dismiss';
  by: string;
  note?: string;
}

export interface CaseState {
  id: string;
  reason: CaseReason;
  openedOn: IsoDate;
  fromTier: Tier;
  targetTier: Tier;
  /** Last day a Partner Manager may reinstate the tier (non-compliant cases, R-RENEWAL). */
  reinstatableUntil?: IsoDate;
  /** fee-unpaid cases (R-GRACE): the unpaid invoice, and the day an undecided case is escalated to program admins. */
  invoiceId?: string;
  escalateOn?: IsoDate;
  escalated?: boolean;
  reviewDate?: IsoDate;
}

export interface InvoiceState {
  id: string;
  membershipYear: string;
  issuedOn: IsoDate;
  total: number;
  payerAccountId: string;
  /** Day 90 from issue, moved by at most one extension (R-GRACE). */
  deadline: IsoDate;
  remindersSent: number[];
  extended: boolean;
  /** Set once the deadline passed unpaid (R-GRACE): the partner is at risk and a fee-unpaid case decides. */
  overdueSince?: IsoDate;
}

/** What the monthly scorecard check saw (R-PREMIER basis). */
export interface MonthlySummary {
  on: IsoDate;
  highestTierMet: Tier;
  premierMet: boolean;
  /** The evidence version the check read (null: none stored yet); absent in checks recorded before it was kept. */
  evidenceVersion?: number | null;
}

/**
 * A migrated partner's look-back (R-PREMIER): the months before registration, evaluated from the dated evidence. It
 * stays open until the first regular monthly check, and every evidence change before then re-evaluates it.
 */
export interface LookBackState {
  requestedFrom: IsoDate;
  /** The oldest evidence version any look-back month was evaluated with (null: no evidence stored then). */
  evidenceVersion: number | null;
  /** How many times the look-back was evaluated (revision numbers in the journal count from 0). */
  revisions: number;
}

export interface ApplicationRef {
  number: number;
  workflowId: string;
  targetTier: Tier;
  submittedOn: IsoDate;
  status: 'in-progress' | ApplicationOutcome;
  ebrWindow?: string;
  /** Kept for closing it from the partner workflow (absent on applications submitted before). */
  fromTier?: Tier;
  submittedBy?: string;
  feeAccountId?: string;
}

export type LifecycleStage =
  'active' | 'applying' | 'awaiting-ebr' | 'fee-grace' | 'downgrade-case-open' | 'cancelled' | 'needs-attention';

/** Everything the partner workflow carries from run to run (continue-as-new). */
export interface LifecycleState {
  /** First business day of the first run: anchors the first renewal and monthly check. */
  registeredOn: IsoDate;
  partner: PartnerProfile;
  tier: Tier;
  cancelled: boolean;
  /** When the membership was last cancelled (R-CANCEL), for judging applications submitted before it. */
  cancelledOn?: IsoDate;
  atRisk: boolean;
  atRiskReason?: string;
  /** Membership years (keyed by their start date) whose fee is paid. */
  paidMembershipYears: string[];
  /** Every open fee invoice, oldest first, each with its own grace clock (R-GRACE); absent in state from before. */
  invoices?: InvoiceState[];
  /**
   * The one open invoice of state carried over from before invoices were a list: moved into `invoices` when a run
   * starts (see migrateState), never written.
   */
  invoice?: InvoiceState;
  cases: CaseState[];
  application?: ApplicationRef;
  applicationCount: number;
  monthly: MonthlySummary[];
  lastMonthlyCheck?: IsoDate;
  lookBack?: LookBackState;
  /** Open incidents (absent in state carried over from before incidents existed). */
  incidents?: Incident[];
  incidentSeq?: number;
  /** Renewal reviews already run, by review date. */
  lastRenewalReview?: IsoDate;
  lastRenewalInvoice?: IsoDate;
  journalSeq: number;
  caseSeq: number;
  runsSoFar: number;
  /** Revision of the last partner read model write (absent before the read model existed). */
  viewRevision?: number;
  /**
   * The latest commands' Update ids and answers (absent in state from before they were kept): the same Update sent
   * again after continue-as-new, when Temporal no longer knows its id, gets the first answer instead of applying twice.
   */
  recentCommands?: RememberedCommand[];
  /** Approved decisions whose work failed part-way, by the incident whose retry runs what is left of it. */
  unfinishedDecisions?: UnfinishedDecision[];
  /** The cancellation whose work failed part-way, with the incident whose retry runs what is left of it (R-CANCEL). */
  unfinishedCancellation?: UnfinishedCancellation;
}

/** How far a cancellation got (R-CANCEL): what a retry of its incident needs to finish it as of the day it was asked. */
export interface CancellationProgress {
  /** The day the cancellation was asked: everything it does, also on a retry, takes effect then. */
  on: IsoDate;
  by: string;
  /** The tier it cancelled from (the audit record of the drop). */
  fromTier: Tier;
  /** Its case, once opened. */
  caseId?: string;
}

/** A cancellation whose work failed part-way, kept by the incident whose retry finishes it. */
export interface UnfinishedCancellation extends CancellationProgress {
  incidentId: string;
}

/** An approved decision whose work failed part-way (R-UPGRADE): what a retry of its incident needs to finish it. */
export interface UnfinishedDecision {
  incidentId: string;
  decision: ApplicationDecision;
  fromTier: Tier;
  application: ApplicationRef;
  /** Why the approval no longer applies (the application closes ineligible). */
  ineligible?: string;
}

/** A command's answer kept by its Update id (exactly once across continue-as-new). */
export interface RememberedCommand {
  id: string;
  ok: boolean;
  value?: unknown;
  /** The refusal, for a command that was refused when it ran. */
  error?: { type: string; message: string };
}

export interface ApplicationDecision {
  number: number;
  targetTier: Tier;
  outcome: ApplicationOutcome;
  decidedOn: IsoDate;
  reasons: string[];
  by: string;
}

/**
 * Application workflow → partner workflow: one of the application's activities failed for good (a business refusal, or
 * its retries exhausted); the application waits for the operator's retry (or is withdrawn when the incident is
 * dismissed).
 */
export interface ApplicationIncidentReport {
  number: number;
  activity: string;
  errorType?: string;
  reason: string;
  attempt?: number;
}

/** Application workflow: why it is withdrawn (sent by the partner workflow). */
export interface WithdrawCommand {
  reason: string;
  by: string;
}

export interface ApplicationStatus {
  number: number;
  workflowId: string;
  targetTier: Tier;
  submittedOn: IsoDate;
  stage: ApplicationStage;
  sustainedSince?: IsoDate;
  sustainedMonths: number;
  readiness?: { outcome: ReadinessOutcome; on: IsoDate; by: string; notes?: string };
  ebrWindow?: { id: string; opensOn: IsoDate; closesOn: IsoDate };
  decision?: ApplicationDecision;
  gaps: string[];
}

export interface PartnerStatus {
  partnerId: string;
  today: IsoDate;
  tier: Tier;
  track: Track;
  stage: LifecycleStage;
  cancelled: boolean;
  atRisk: boolean;
  atRiskReason?: string;
  nextRenewalReview: IsoDate;
  /** The oldest open invoice (the one a payment without `invoiceId` settles first), as before invoices were a list. */
  invoice?: InvoiceState;
  /** Every open invoice, oldest first. */
  invoices: InvoiceState[];
  openCases: CaseState[];
  application?: ApplicationRef;
  monthly: MonthlySummary[];
  incidents: Incident[];
  waitingFor: string;
  /**
   * Whether an evidence change is work for the workflow (its look-back is still open, R-WINDOW): otherwise the API
   * stores a new version without waking it, and the next check reads it.
   */
  evidenceWatched: boolean;
}

export interface ApplyCommand {
  targetTier: Tier;
  feeAccountId: string;
  by: string;
}
/**
 * A fee payment (R-PAID): for the invoice it names, or else for the oldest open invoice whose total it equals.
 */
export interface PaymentCommand {
  amount: number;
  /** The invoice the payment names (R-PAID); the oldest open invoice of that total when absent. */
  invoiceId?: string;
  /** How it was paid: a payer's method (`card`, `bank-account`, …), `advance-pay` or `offline` (src/domain/payments). */
  method?: PaymentMethod;
  /** The payment's reference (its payment id, or the funding document that brought the funds). */
  reference?: string;
  by?: string;
}
/** R-GRACE: an extension of the invoice it names, or else of the oldest open invoice. */
export interface ExtensionCommand {
  days: number;
  by: string;
  invoiceId?: string;
}
export interface CancellationCommand {
  by: string;
  reason?: string;
}
export interface ReinstateCommand {
  by: string;
}
/** R-GRACE: the Partner Manager's decision on a fee-unpaid case. */
export interface CaseDecisionCommand {
  caseId: string;
  decision: 'downgrade' | 'keep';
  reason: string;
  by: string;
}
export interface AssessmentCommand {
  outcome: ReadinessOutcome;
  by: string;
  notes?: string;
}
export interface EbrOutcomeCommand {
  outcome: EbrOutcome;
  by: string;
  notes?: string;
}

/** Every input a partner's membership accepts from outside, as the workflow queues it (Updates and signals). */
export type MembershipCommand =
  | { kind: 'apply'; cmd: ApplyCommand }
  | { kind: 'payment'; cmd: PaymentCommand }
  | { kind: 'extension'; cmd: ExtensionCommand }
  | { kind: 'cancel'; cmd: CancellationCommand }
  | { kind: 'reinstate'; cmd: ReinstateCommand }
  | { kind: 'decided'; decision: ApplicationDecision }
  | { kind: 'application-incident'; report: ApplicationIncidentReport }
  | { kind: 'evidence'; version?: number }
  | { kind: 'incident'; cmd: IncidentCommand }
  | { kind: 'decide-case'; cmd: CaseDecisionCommand };

/** What an upgrade application's child workflow is started with (the shell adds the business clock). */
export interface UpgradeApplicationArgs {
  partnerId: string;
  parentWorkflowId: string;
  number: number;
  track: Track;
  fromTier: Tier;
  targetTier: Tier;
  submittedOn: IsoDate;
  submittedBy: string;
  feeAccountId: string;
  /** The parent's recent monthly checks: months before the application count toward sustained attainment. */
  priorMonthly: MonthlySummary[];
}
