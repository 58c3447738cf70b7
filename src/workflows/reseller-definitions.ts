/**
 * Reseller billing workflows (R-RESELLER, 002): their ids, inputs, states and the update and query definitions the
 * API and the tests import. Imports only `@temporalio/workflow` and plain types.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ClockOptions, IsoDate } from './types';

/** The workflow of one invitation, readable in the Web UI: `invitation/<id>`. */
export const invitationWorkflowId = (invitationId: number): string => `invitation/${invitationId}`;

/** The monthly consolidated cycle of one reseller organization: `reseller-billing/<orgId>`. */
export const resellerBillingWorkflowId = (organizationId: string): string => `reseller-billing/${organizationId}`;

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'expired';

export interface InvitationWorkflowInput {
  invitationId: number;
  organizationId: string;
  accountId: string;
  invitedOn: IsoDate;
  /** From this business date on the invitation can no longer be answered (invitedOn + 15 days). */
  expiresOn: IsoDate;
  clock?: ClockOptions;
}

export interface InvitationState {
  invitationId: number;
  organizationId: string;
  accountId: string;
  invitedOn: IsoDate;
  expiresOn: IsoDate;
  status: InvitationStatus;
  /** The business date it was accepted, declined or expired. */
  closedOn: IsoDate | null;
}

/** Who answers for the customer account (the API passes the caller). */
export interface InvitationAnswer {
  by: string;
}

/** Invitation: the customer account accepts — it joins the partner's organization (R-RESELLER). */
export const acceptInvitationUpdate = defineUpdate<InvitationState, [InvitationAnswer]>('acceptInvitation');

/** Invitation: the customer account declines — nothing changes for its billing. */
export const declineInvitationUpdate = defineUpdate<InvitationState, [InvitationAnswer]>('declineInvitation');

export const invitationStateQuery = defineQuery<InvitationState>('invitationState');

export interface OpenBill {
  month: string;
  totalCents: number;
  issuedOn: IsoDate;
}

export interface ResellerBillingInput {
  organizationId: string;
  /** The first month billed (`YYYY-MM`). */
  billingFrom: string;
  clock?: ClockOptions;
  /**
   * The business date of the enrolment. Months that ended before it (back-billing from an earlier `billingFrom`) are
   * billed when the billing feed closes them (`closeMonthUpdate`): the cycle was not running when they ended.
   */
  enrolledOn?: IsoDate;
  /** Carried through continue-as-new: the next month to bill, and the bills still waiting for the partner's payment. */
  nextMonth?: string;
  unpaid?: OpenBill[];
  /** Test hook: continue as new after this many bills in one run (default 12: once a year). */
  continueAsNewAfterMonths?: number;
}

export interface ResellerBillingState {
  organizationId: string;
  nextMonth: string;
  nextBillOn: IsoDate;
  unpaid: OpenBill[];
}

export interface BillPaymentCommand {
  month: string;
  amountCents: number;
  by: string;
}

export interface CustomerInvoiceSummary {
  accountId: string;
  usageCents: number;
  amountCents: number;
}

export interface BillPaymentResult {
  organizationId: string;
  month: string;
  totalCents: number;
  paidOn: IsoDate;
  invoices: CustomerInvoiceSummary[];
}

/** Reseller billing: the partner paid AWS the month's consolidated bill; it then invoices each customer its share. */
export const payConsolidatedBillUpdate = defineUpdate<BillPaymentResult, [BillPaymentCommand]>('payConsolidatedBill');

export interface CloseMonthCommand {
  month: string;
  by: string;
}

/** Reseller billing: the billing feed closes an ended month, and AWS issues its bill now instead of waiting. */
export const closeMonthUpdate = defineUpdate<OpenBill & { status: 'issued' | 'paid' }, [CloseMonthCommand]>(
  'closeMonth',
);

export const resellerBillingStateQuery = defineQuery<ResellerBillingState>('resellerBillingState');
