/**
 * Reseller billing activities (R-RESELLER, 002): the invitation and consolidated-billing workflows' reads and writes
 * of the system of record, and their notifications through the outbox. Every write is idempotent (keyed by invitation,
 * organization and month), so a retry never answers, bills, invoices or notifies twice. Business refusals are
 * non-retryable failures of the engine's error vocabulary.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { toUsd } from '../domain/reseller';
import { NotFoundError, StoreConflictError, type Invitation, type Store } from '../store';

export interface ResellerActivityDependencies {
  store: Store;
}

export type InvitationEvent = 'invited' | 'accepted' | 'declined' | 'expired';

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw ApplicationFailure.create({ type: ErrorType.NotFound, message: err.message, nonRetryable: true });
    }
    if (err instanceof StoreConflictError) {
      throw ApplicationFailure.create({ type: ErrorType.Conflict, message: err.message, nonRetryable: true });
    }
    throw err;
  }
}

export function createResellerActivities(deps: ResellerActivityDependencies) {
  const { store } = deps;

  async function partnerOf(organizationId: string): Promise<string> {
    const enrolment = await store.reseller.getEnrolment(organizationId);
    if (!enrolment) {
      throw ApplicationFailure.create({
        type: ErrorType.NotFound,
        message: `organization ${organizationId} is not enrolled for reseller billing`,
        nonRetryable: true,
      });
    }
    return enrolment.partnerId;
  }

  return {
    /** R-RESELLER: the customer account answered; accepted, it joins the partner's organization. */
    async answerInvitation(input: {
      invitationId: number;
      response: 'accepted' | 'declined';
      on: string;
    }): Promise<Invitation> {
      return guard(() => store.respondToInvitation(input.invitationId, input.response, input.on));
    },

    /** R-RESELLER: 15 days without an answer — the invitation expires. */
    async expireInvitation(input: { invitationId: number; on: string }): Promise<Invitation> {
      return guard(() => store.reseller.expireInvitation(input.invitationId, input.on));
    },

    /**
     * Tells the partner (its Alliance Lead) and the customer account (its billing contact) what became of an
     * invitation; once per invitation, event and recipient.
     */
    async notifyInvitation(input: {
      invitationId: number;
      organizationId: string;
      accountId: string;
      event: InvitationEvent;
      expiresOn: string;
      on: string;
    }): Promise<void> {
      const partnerId = await partnerOf(input.organizationId);
      const payload = {
        invitationId: input.invitationId,
        organizationId: input.organizationId,
        accountId: input.accountId,
        expiresOn: input.expiresOn,
        ...(input.event === 'accepted' ? { billingView: 'Reseller Billing by Partner (Consolidated Billing)' } : {}),
      };
      for (const [who, recipient] of [
        ['partner', 'alliance-lead'],
        ['customer', `payer:${input.accountId}`],
      ] as const) {
        await store.enqueueNotification({
          key: `invitation/${input.invitationId}/${input.event}/${who}`,
          partnerId,
          kind: `invitation-${input.event}`,
          recipient,
          on: input.on,
          payload,
        });
      }
    },

    /** R-RESELLER: AWS issues the month's consolidated bill to the partner's management account. */
    async issueConsolidatedBill(input: { organizationId: string; month: string; on: string }) {
      const { bill, created } = await guard(() => store.reseller.issueBill(input));
      if (created && bill.totalCents > 0) {
        await store.enqueueNotification({
          key: `reseller-billing/${input.organizationId}/${input.month}/bill`,
          partnerId: bill.partnerId,
          kind: 'consolidated-bill-issued',
          recipient: 'alliance-lead',
          on: input.on,
          payload: {
            organizationId: input.organizationId,
            month: input.month,
            payerAccountId: bill.payerAccountId,
            total: toUsd(bill.totalCents),
            accounts: bill.lines.length,
          },
        });
      }
      return { month: bill.month, totalCents: bill.totalCents, status: bill.status, issuedOn: bill.issuedOn };
    },

    /**
     * R-RESELLER: the partner paid the bill; it invoices each customer account its share, and each customer is told
     * what it owes the partner (it pays AWS nothing).
     */
    async payConsolidatedBill(input: { organizationId: string; month: string; amountCents: number; on: string }) {
      const { bill } = await guard(() => store.reseller.markBillPaid(input));
      const invoices = await guard(() => store.reseller.invoiceCustomers(input));
      for (const invoice of invoices) {
        await store.enqueueNotification({
          key: `reseller-billing/${input.organizationId}/${input.month}/invoice/${invoice.accountId}`,
          partnerId: invoice.partnerId,
          kind: 'reseller-invoice-issued',
          recipient: `payer:${invoice.accountId}`,
          on: input.on,
          payload: {
            organizationId: input.organizationId,
            month: input.month,
            accountId: invoice.accountId,
            usage: toUsd(invoice.usageCents),
            total: toUsd(invoice.amountCents),
          },
        });
      }
      return {
        organizationId: input.organizationId,
        month: input.month,
        totalCents: bill.totalCents,
        paidOn: bill.paidOn ?? input.on,
        invoices: invoices.map((i) => ({
          accountId: i.accountId,
          usageCents: i.usageCents,
          amountCents: i.amountCents,
        })),
      };
    },
  };
}

export type ResellerActivities = ReturnType<typeof createResellerActivities>;
