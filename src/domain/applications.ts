/**
 * Upgrade applications' vocabulary (R-UPGRADE, R-PREMIER), zod-free so workflow code imports it: the outcomes, the
 * stages the application workflow reports, the statuses of the stored record, and the id format.
 */

/**
 * How an application closes: approved, rejected, lapsed (a failed monthly check while waiting for readiness or the
 * EBR), ineligible (approved, but on the decision day no longer Advanced, cancelled, or its latest check short of the
 * target), withdrawn (a cancellation or downgrade while it was open).
 */
export const APPLICATION_OUTCOMES = ['approved', 'rejected', 'lapsed', 'ineligible', 'withdrawn'] as const;
export type ApplicationOutcome = (typeof APPLICATION_OUTCOMES)[number];

/** Where a running application stands (the application workflow's `stage`), then its outcome. */
export const APPLICATION_STAGES = [
  'evaluating',
  'sustaining',
  'awaiting-readiness',
  'scheduled-for-ebr',
  ...APPLICATION_OUTCOMES,
] as const;
export type ApplicationStage = (typeof APPLICATION_STAGES)[number];

/** The status of an application's record in the store: open while `submitted` or `in-progress`, then its outcome. */
export const APPLICATION_RECORD_STATUSES = ['submitted', 'in-progress', ...APPLICATION_OUTCOMES] as const;
export type ApplicationRecordStatus = (typeof APPLICATION_RECORD_STATUSES)[number];

/** Statuses of an application still open: a partner has at most one (R-UPGRADE). */
export const OPEN_APPLICATION_STATUSES = [
  'submitted',
  'in-progress',
] as const satisfies readonly ApplicationRecordStatus[];

/** Outcomes a Premier readiness pre-assessment records (R-PREMIER). */
export const READINESS_OUTCOMES = ['passed', 'failed'] as const;
export type ReadinessOutcome = (typeof READINESS_OUTCOMES)[number];

/** Outcomes an EBR records for a Premier application (R-EBR). */
export const EBR_OUTCOMES = ['approved', 'rejected', 'deferred'] as const;
export type EbrOutcome = (typeof EBR_OUTCOMES)[number];

/** A partner's lifecycle workflow id. */
export const partnerWorkflowId = (partnerId: string): string => `partner/${partnerId}`;

/**
 * The id of application `number` under `owner`: `<partnerId>/application/<n>` for the stored record,
 * `partner/<id>/application/<n>` for its workflow (owner: the partner's workflow id).
 */
export function applicationId(owner: string, number: number): string {
  return `${owner}/application/${number}`;
}
