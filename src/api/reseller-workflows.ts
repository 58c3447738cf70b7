/**
 * The API's side of the reseller billing workflows (R-RESELLER): starts an invitation's workflow and the monthly
 * cycle of an enrolled organization, and sends them the answers and payments people make, through the definition
 * objects, each call bounded by a deadline (a stalled Temporal answers 503).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { invitationExpiryOf } from '../domain/reseller';
import type { Invitation, ResellerEnrolment } from '../store';
import {
  acceptInvitationUpdate,
  closeMonthUpdate,
  declineInvitationUpdate,
  invitationWorkflowId,
  payConsolidatedBillUpdate,
  resellerBillingWorkflowId,
  type BillPaymentResult,
  type InvitationState,
} from '../workflows/reseller-definitions';
import type { resellerBilling } from '../workflows/reseller-billing';
import type { resellerInvitation } from '../workflows/reseller-invitation';
import type { Lifecycle } from './lifecycle';

export class ResellerWorkflows {
  constructor(private readonly lifecycle: Lifecycle) {}

  /** Starts a workflow; one that already ran to its end under that id is left as it is. */
  private async start(fn: () => Promise<unknown>): Promise<void> {
    try {
      await this.lifecycle.call(fn);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Starts the invitation's workflow unless it runs or ran already (a retried request attaches to it). */
  async startInvitation(invitation: Invitation, organizationName: string): Promise<string> {
    const workflowId = invitationWorkflowId(invitation.id);
    await this.start(() =>
      this.lifecycle.client.workflow.start<typeof resellerInvitation>('resellerInvitation', {
        taskQueue: this.lifecycle.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            invitationId: invitation.id,
            organizationId: invitation.organizationId,
            accountId: invitation.accountId,
            invitedOn: invitation.invitedOn,
            expiresOn: invitation.expiresOn || invitationExpiryOf(invitation.invitedOn),
            clock: this.lifecycle.clock,
          },
        ],
        staticSummary: `Invitation of AWS account ${invitation.accountId} to ${organizationName} (${invitation.organizationId}), expires ${invitation.expiresOn}`,
      }),
    );
    return workflowId;
  }

  /** The customer's answer, as an Update: refusals come back as the validator's. */
  async answer(
    invitationId: number,
    response: 'accept' | 'decline',
    by: string,
    updateId: string | undefined,
  ): Promise<InvitationState> {
    const definition = response === 'accept' ? acceptInvitationUpdate : declineInvitationUpdate;
    return this.lifecycle.update(invitationWorkflowId(invitationId), definition, [{ by }], { updateId });
  }

  /** Starts the organization's monthly cycle unless it runs already. */
  async startBilling(enrolment: ResellerEnrolment, organizationName: string): Promise<string> {
    const workflowId = resellerBillingWorkflowId(enrolment.organizationId);
    await this.start(() =>
      this.lifecycle.client.workflow.start<typeof resellerBilling>('resellerBilling', {
        taskQueue: this.lifecycle.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            organizationId: enrolment.organizationId,
            billingFrom: enrolment.billingFrom,
            enrolledOn: enrolment.enrolledOn,
            clock: this.lifecycle.clock,
          },
        ],
        staticSummary: `Consolidated billing of ${organizationName} (${enrolment.organizationId}) by partner ${enrolment.partnerId}, from ${enrolment.billingFrom}`,
      }),
    );
    return workflowId;
  }

  /** The billing feed closes an ended month: AWS issues its bill now. */
  async closeMonth(organizationId: string, month: string, by: string, updateId: string | undefined) {
    return this.lifecycle.update(resellerBillingWorkflowId(organizationId), closeMonthUpdate, [{ month, by }], {
      updateId,
    });
  }

  /** The partner paid the month's bill: the cycle then invoices its customers. */
  async payBill(
    organizationId: string,
    month: string,
    amountCents: number,
    by: string,
    updateId: string | undefined,
  ): Promise<BillPaymentResult> {
    return this.lifecycle.update(
      resellerBillingWorkflowId(organizationId),
      payConsolidatedBillUpdate,
      [{ month, amountCents, by }],
      { updateId },
    );
  }
}
