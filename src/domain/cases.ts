/** Downgrade and cancellation cases' vocabulary (R-CASE, R-GRACE, R-RENEWAL, R-CANCEL), zod-free for workflow code. */

/** Why a case is open: the fee unpaid after its grace (R-GRACE), a failed renewal review (R-RENEWAL), a cancellation. */
export const CASE_REASONS = ['fee-unpaid', 'non-compliant', 'cancellation-requested'] as const;
export type CaseReason = (typeof CASE_REASONS)[number];

export const CASE_KINDS = ['downgrade', 'cancellation'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

export const CASE_STATUSES = ['open', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** The id of the partner's case `number`: `<partnerId>/case/<n>`. */
export function caseId(partnerId: string, number: number): string {
  return `${partnerId}/case/${number}`;
}
