/**
 * The membership as one reducer (issue #10, Build 1): `step(state, date, input) → { state, effects }`. Its inputs are
 * a command, a timer firing, an evaluation result or another activity's outcome; its effects are the activities to
 * call, the journal entries and the search attributes. Pure: no Temporal, no I/O, no clock.
 */
import type { IncidentStep, IsoDate, LifecycleState, MembershipCommand, Tier } from '../types';
import type { Refusal } from '../checks';

/** What the scorecard said (the evaluatePartner activity's answer). */
export interface Evaluation {
  highestTierMet: Tier;
  premierMet: boolean;
  tierMet: Partial<Record<Tier, boolean>>;
  gaps: string[];
}

/** The fee invoice the billing side issued (the issueFeeInvoice activity's answer). */
export interface IssuedInvoice {
  invoiceId: string;
  total: number;
  paidViaAdvancePay?: boolean;
}

export type MachineInput =
  | { kind: 'command'; command: MembershipCommand }
  /** The timer fired: run the first step of the schedule due by the date (or, with none left, settle the day). */
  | { kind: 'timer' }
  | { kind: 'evaluated'; result: Evaluation }
  | { kind: 'invoice-issued'; invoice: IssuedInvoice }
  /** The awaited activity failed for good (a business refusal, or its retries exhausted): an incident. */
  | { kind: 'failed'; activity: string; reason: string; errorType?: string };

/** Activities whose answer the machine waits for before it goes on (its next input must be their outcome). */
export type Awaiting =
  | { step: 'monthly-check'; on: IsoDate }
  | { step: 'renewal-review'; on: IsoDate; renewal: IsoDate }
  | { step: 'renewal-fee' | 'upgrade-fee'; on: IsoDate; membershipYear: IsoDate }
  | { step: 'reinstate'; on: IsoDate; caseId: string; by: string };

export interface MachineState {
  membership: LifecycleState;
  awaiting?: Awaiting;
}

export type Effect =
  | { kind: 'call'; activity: string; args: Record<string, unknown> }
  | { kind: 'journal'; on: IsoDate; type: string; data: Record<string, unknown> }
  | { kind: 'search-attributes'; tier: Tier; stage: string; atRisk: boolean; needsAttention: boolean };

export interface StepResult {
  state: MachineState;
  effects: Effect[];
  /** The command's refusal (nothing changed), for a refused command. */
  refusal?: Refusal;
  /** Nothing is due by the date and no answer is awaited: the workflow may sleep. */
  idle: boolean;
}

/** The incident step an awaited activity belongs to. */
export const incidentStepOf = (a: Awaiting): IncidentStep =>
  a.step === 'upgrade-fee' || a.step === 'reinstate' ? 'command' : a.step;
