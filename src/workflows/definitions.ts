/**
 * Signal, query and update definitions of the lifecycle workflows. The API, CLI and tests import these objects;
 * nobody spells a handler name as a string.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApplicationIncidentReport,
  CaseDecisionCommand,
  ApplicationDecision,
  ApplicationStatus,
  ApplyCommand,
  AssessmentCommand,
  CancellationCommand,
  EbrOutcomeCommand,
  ExtensionCommand,
  Incident,
  IncidentCommand,
  PartnerStatus,
  PaymentCommand,
  ReinstateCommand,
  WithdrawCommand,
} from './types';

/** Partner workflow: current lifecycle state. */
export const partnerStatusQuery = defineQuery<PartnerStatus>('partnerStatus');

/** Partner workflow: the evidence document changed (the store holds it; this wakes the workflow to re-check). */
export const evidenceChangedSignal = defineSignal<[{ version: number; on?: string }]>('evidenceChanged');

/** Partner workflow: submit an upgrade application (R-UPGRADE); answers with the application's number and id. */
export const applyForUpgradeUpdate = defineUpdate<{ number: number; workflowId: string }, [ApplyCommand]>(
  'applyForUpgrade',
);

/** Partner workflow: record a fee payment for the open invoice (R-PAID). */
export const recordPaymentUpdate = defineUpdate<{ invoiceId: string; paidOn: string }, [PaymentCommand]>(
  'recordPayment',
);

/** Partner workflow: a Partner Manager grants the one extension of the fee deadline (R-GRACE). */
export const grantExtensionUpdate = defineUpdate<{ deadline: string }, [ExtensionCommand]>('grantExtension');

/** Partner workflow: the Alliance Lead asks to leave the program's tiers (R-CANCEL). */
export const requestCancellationUpdate = defineUpdate<{ caseId: string }, [CancellationCommand]>('requestCancellation');

/** Partner workflow: a Partner Manager reinstates a tier lost at renewal, within the case window (R-RENEWAL). */
export const reinstateTierUpdate = defineUpdate<{ tier: string }, [ReinstateCommand]>('reinstateTier');

/** Partner workflow: the Partner Manager decides a fee-unpaid case (R-GRACE); answers with the case's outcome. */
export const decideCaseUpdate = defineUpdate<{ caseId: string; outcome: string }, [CaseDecisionCommand]>('decideCase');

/** Partner workflow: an operator retries or dismisses an open incident; answers with the incidents still open. */
export const resolveIncidentUpdate = defineUpdate<{ incidents: Incident[] }, [IncidentCommand]>('resolveIncident');

/** Partner workflow (from its child): an application reached its decision. */
export const applicationDecidedSignal = defineSignal<[ApplicationDecision]>('applicationDecided');

/** Partner workflow (from its child): one of the application's activities failed for good; it waits for a retry. */
export const applicationIncidentSignal = defineSignal<[ApplicationIncidentReport]>('applicationIncident');

/**
 * Application workflow (from its partner workflow): the operator's answer to its incident — retry runs the failed step
 * again; dismiss withdraws the application (or skips the step of one already closing).
 */
export const resolveApplicationStepSignal =
  defineSignal<[{ incidentId: string; action: 'retry' | 'dismiss'; by: string }]>('resolveApplicationStep');

/** Application workflow (from its partner workflow): a cancellation or downgrade withdraws it (R-PREMIER). */
export const withdrawApplicationSignal = defineSignal<[WithdrawCommand]>('withdrawApplication');

/** Application workflow: its progress. */
export const applicationStatusQuery = defineQuery<ApplicationStatus>('applicationStatus');

/** Application workflow: the Partner Manager's readiness pre-assessment (R-PREMIER step 2). */
export const recordReadinessUpdate = defineUpdate<ApplicationStatus, [AssessmentCommand]>('recordReadiness');

/** Application workflow: the Partner Manager records the EBR outcome (R-PREMIER step 3). */
export const recordEbrOutcomeUpdate = defineUpdate<ApplicationStatus, [EbrOutcomeCommand]>('recordEbrOutcome');
