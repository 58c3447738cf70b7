/**
 * Reseller billing for program admins (R-RESELLER, 002), who keep the back office for the partner and its customers:
 * enrol a reseller organization under its APN partner (starting its monthly cycle), invite customer accounts and
 * record their answers, record each member account's usage of a month, read and pay the monthly consolidated bills
 * with the partner's invoices to its customers, and read a customer's billing view.
 */
import type { Router } from 'express';
import { isIsoMonth, monthOf, RESELLER_BILLING_TERMS, billingLabelOf, toCents, toUsd } from '../../domain/reseller';
import type { ConsolidatedBillRecord, Invitation, ResellerInvoice, Store, UsageRecord } from '../../store';
import { invitationWorkflowId } from '../../workflows/reseller-definitions';
import type { Lifecycle } from '../lifecycle';
import { ProblemError } from '../problem';
import {
  BillDetailSchema,
  BillingViewParams,
  BillingViewSchema,
  BillListSchema,
  BillParams,
  BillPaymentBody,
  CloseMonthBody,
  EnrolmentBody,
  EnrolmentParams,
  EnrolmentSchema,
  InvitationBody,
  InvitationListQuery,
  InvitationListSchema,
  InvitationParams,
  InvitationSchema,
  UsageBody,
  UsageParams,
  UsageRecordSchema,
} from '../reseller-schemas';
import { ResellerWorkflows } from '../reseller-workflows';
import { defineRoute, type RouteDeps } from '../route';

export interface ResellerRouteDeps extends RouteDeps {
  lifecycle: Lifecycle;
}

const ADMIN = { roles: ['program-admin'] } as const;
const TAG = 'Reseller billing';

const invitationView = (i: Invitation) => ({ ...i, workflowId: invitationWorkflowId(i.id) });

const usageView = (u: UsageRecord) => ({
  accountId: u.accountId,
  month: u.month,
  organizationId: u.organizationId,
  items: u.items.map((i) => ({ service: i.service, amount: toUsd(i.amountCents) })),
  total: toUsd(u.totalCents),
  recordedOn: u.recordedOn,
});

const billView = (b: ConsolidatedBillRecord) => ({
  organizationId: b.organizationId,
  month: b.month,
  partnerId: b.partnerId,
  payerAccountId: b.payerAccountId,
  usage: toUsd(b.usageCents),
  discount: toUsd(b.discountCents),
  total: toUsd(b.totalCents),
  issuedOn: b.issuedOn,
  status: b.status,
  paidOn: b.paidOn,
  lines: b.lines.map((l) => ({ accountId: l.accountId, usage: toUsd(l.usageCents), share: toUsd(l.shareCents) })),
});

const invoiceView = (i: ResellerInvoice) => ({
  accountId: i.accountId,
  month: i.month,
  usage: toUsd(i.usageCents),
  amount: toUsd(i.amountCents),
  issuedOn: i.issuedOn,
  partnerId: i.partnerId,
});

export function resellerRoutes(router: Router, deps: ResellerRouteDeps): void {
  const { store, lifecycle } = deps;
  // Built on first use: describing the API (openApiDocument) touches no Temporal client.
  let workflows: ResellerWorkflows | undefined;
  const temporal = () => (workflows ??= new ResellerWorkflows(lifecycle));

  async function requireOrganization(orgId: string) {
    const organization = await store.accounts.getOrganization(orgId);
    if (!organization) throw ProblemError.notFound(`organization '${orgId}' is not registered`);
    return organization;
  }

  async function requireEnrolment(s: Store, orgId: string) {
    const enrolment = await s.reseller.getEnrolment(orgId);
    if (!enrolment) {
      throw ProblemError.conflict(
        `organization '${orgId}' is not enrolled for reseller billing: POST /v1/organizations/${orgId}/reseller-billing first`,
      );
    }
    return enrolment;
  }

  async function requireInvitation(id: number) {
    const invitation = await store.reseller.getInvitation(id);
    if (!invitation) throw ProblemError.notFound(`invitation ${id} does not exist`);
    return invitation;
  }

  defineRoute(router, deps, {
    method: 'post',
    path: '/organizations/{orgId}/reseller-billing',
    operationId: 'enrolResellerBilling',
    summary: 'Enrol a reseller organization for consolidated billing',
    description:
      'Names the APN partner whose management account runs the reseller organization, and its discount, and starts ' +
      'the monthly cycle (`reseller-billing/<orgId>`): on the first of each month AWS bills the management account ' +
      'the usage of every member account. The organization must be registered with `reseller: true` (else 409). The ' +
      'same enrolment again answers 200; other terms 409.',
    tag: TAG,
    access: ADMIN,
    params: EnrolmentParams,
    body: EnrolmentBody,
    idempotent: true,
    responses: {
      200: { description: 'Already enrolled with these terms', schema: EnrolmentSchema },
      201: { description: 'Enrolled; the cycle runs', schema: EnrolmentSchema, headers: { Location: 'Its bills' } },
    },
    handler: async ({ params, body }) => {
      const organization = await requireOrganization(params.orgId);
      const today = lifecycle.today();
      const { enrolment, created } = await store.reseller.enrol({
        organizationId: params.orgId,
        partnerId: body.partnerId,
        discountBasisPoints: Math.round(body.discountPercent * 100),
        billingFrom: body.billingFrom ?? monthOf(today),
        enrolledOn: today,
      });
      // Started also when the enrolment existed: a request that failed after enrolling is completed by its retry.
      const workflowId = await temporal().startBilling(enrolment, organization.name);
      return {
        status: created ? 201 : 200,
        body: {
          organizationId: enrolment.organizationId,
          partnerId: enrolment.partnerId,
          discountPercent: enrolment.discountBasisPoints / 100,
          billingFrom: enrolment.billingFrom,
          enrolledOn: enrolment.enrolledOn,
          workflowId,
        },
        headers: { Location: `${deps.prefix}/organizations/${params.orgId}/bills` },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/organizations/{orgId}/invitations',
    operationId: 'inviteAccount',
    summary: 'Invite a customer AWS account into a reseller organization',
    description:
      'The partner’s management account invites the account (R-RESELLER); its workflow `invitation/<id>` waits 15 ' +
      'days for the answer, then the invitation expires. The partner and the customer are notified. Inviting an ' +
      'account with a pending invitation answers that one (200); a member already, 409.',
    tag: TAG,
    access: ADMIN,
    params: EnrolmentParams,
    body: InvitationBody,
    idempotent: true,
    responses: {
      200: { description: 'Already invited: the pending invitation', schema: InvitationSchema },
      201: { description: 'Invited', schema: InvitationSchema, headers: { Location: 'The invitation' } },
    },
    handler: async ({ params, body }) => {
      const organization = await requireOrganization(params.orgId);
      await requireEnrolment(store, params.orgId);
      if (organization.managementAccountId === body.accountId) {
        throw ProblemError.conflict(`account ${body.accountId} is the management account of '${params.orgId}'`);
      }
      const before = await store.listInvitations({ organizationId: params.orgId, accountId: body.accountId });
      const invitation = await store.inviteAccount({
        organizationId: params.orgId,
        accountId: body.accountId,
        on: lifecycle.today(),
      });
      await temporal().startInvitation(invitation, organization.name);
      const existed = before.some((i) => i.id === invitation.id);
      return {
        status: existed ? 200 : 201,
        body: invitationView(invitation),
        headers: { Location: `${deps.prefix}/invitations/${invitation.id}` },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/organizations/{orgId}/invitations',
    operationId: 'listInvitations',
    summary: 'List the invitations of an organization',
    tag: TAG,
    access: ADMIN,
    params: EnrolmentParams,
    query: InvitationListQuery,
    responses: { 200: { description: 'Oldest first', schema: InvitationListSchema } },
    handler: async ({ params, query }) => {
      await requireOrganization(params.orgId);
      const items = await store.listInvitations({ organizationId: params.orgId });
      return {
        status: 200,
        body: { items: items.filter((i) => !query.status || i.status === query.status).map(invitationView) },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/invitations/{invitationId}',
    operationId: 'getInvitation',
    summary: 'Read an invitation',
    tag: TAG,
    access: ADMIN,
    params: InvitationParams,
    responses: { 200: { description: 'The invitation', schema: InvitationSchema } },
    handler: async ({ params }) => ({
      status: 200,
      body: invitationView(await requireInvitation(params.invitationId)),
    }),
  });

  for (const response of ['accept', 'decline'] as const) {
    const status = response === 'accept' ? 'accepted' : 'declined';
    defineRoute(router, deps, {
      method: 'post',
      path: `/invitations/{invitationId}/${response}`,
      operationId: `${response}Invitation`,
      summary:
        response === 'accept' ? 'Accept an invitation for the customer' : 'Decline an invitation for the customer',
      description:
        response === 'accept'
          ? 'The customer account joins the partner’s organization and keeps control of its resources; its billing ' +
            `view then reads "${RESELLER_BILLING_TERMS.resellerBillingLabel}". `
          : 'The account stays outside the organization and is billed by AWS. ' +
            'An invitation no longer pending (answered otherwise, or expired after 15 days) is a 409; answered the same ' +
            'way already, 200.',
      tag: TAG,
      access: ADMIN,
      params: InvitationParams,
      idempotent: true,
      responses: { 200: { description: `The invitation, ${status}`, schema: InvitationSchema } },
      handler: async ({ params, principal, updateId }) => {
        const invitation = await requireInvitation(params.invitationId);
        if (invitation.status === status) return { status: 200, body: invitationView(invitation) };
        if (invitation.status !== 'invited') {
          throw ProblemError.conflict(
            `invitation ${invitation.id} is ${invitation.status}${invitation.respondedOn ? ` since ${invitation.respondedOn}` : ''}` +
              (invitation.status === 'expired' ? ` (it could be answered until ${invitation.expiresOn})` : ''),
          );
        }
        await temporal().answer(invitation.id, response, `${principal.role}:${principal.sub}`, updateId);
        return { status: 200, body: invitationView(await requireInvitation(invitation.id)) };
      },
    });
  }

  defineRoute(router, deps, {
    method: 'put',
    path: '/accounts/{accountId}/usage/{month}',
    operationId: 'recordUsage',
    summary: 'Record a member account’s usage of a month',
    description:
      'The month’s usage as AWS metered it, by service (the billing feed). Recorded again before the month is billed, ' +
      'it replaces the earlier record. The account must belong to an enrolled reseller organization, the month must ' +
      'have begun, be billed by the organization and not be billed yet (409).',
    tag: TAG,
    access: ADMIN,
    params: UsageParams,
    body: UsageBody,
    idempotent: true,
    responses: {
      200: { description: 'Replaced', schema: UsageRecordSchema },
      201: { description: 'Recorded', schema: UsageRecordSchema },
    },
    handler: async ({ params, body }) => {
      const today = lifecycle.today();
      if (params.month > monthOf(today)) {
        throw new ProblemError('unprocessable', `month ${params.month} has not begun (today is ${today})`, [
          { path: 'path.month', message: `a month up to ${monthOf(today)}` },
        ]);
      }
      const { record, created } = await store.reseller.recordUsage({
        accountId: params.accountId,
        month: params.month,
        items: body.items.map((i) => ({ service: i.service, amountCents: toCents(i.amount) })),
        on: today,
      });
      return { status: created ? 201 : 200, body: usageView(record) };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/accounts/{accountId}/billing',
    operationId: 'getBillingView',
    summary: 'Read an AWS account’s billing view',
    description:
      'What the account’s billing console shows (002): how it is billed — for a customer of a reseller ' +
      `"${RESELLER_BILLING_TERMS.resellerBillingLabel}", paying AWS nothing — who pays, its usage month by month and ` +
      'the partner’s invoices to it.',
    tag: TAG,
    access: ADMIN,
    params: BillingViewParams,
    responses: { 200: { description: 'The billing view', schema: BillingViewSchema } },
    handler: async ({ params }) => {
      const membership = await store.reseller.membershipOf(params.accountId);
      const reseller = membership?.organization.reseller === true;
      const [usage, invoices] = await Promise.all([
        store.reseller.usageOf(params.accountId),
        store.reseller.invoicesOf(params.accountId),
      ]);
      const payerAccountId = membership?.organization.managementAccountId ?? params.accountId;
      return {
        status: 200,
        body: {
          accountId: params.accountId,
          billing: billingLabelOf(membership?.organization),
          paysAws: payerAccountId === params.accountId,
          payerAccountId,
          organizationId: membership?.organization.id ?? null,
          partnerId: reseller ? (membership?.enrolment?.partnerId ?? null) : null,
          usage: usage.map(usageView),
          invoices: invoices.map(invoiceView),
        },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/organizations/{orgId}/bills',
    operationId: 'listConsolidatedBills',
    summary: 'List a reseller organization’s consolidated bills',
    tag: TAG,
    access: ADMIN,
    params: EnrolmentParams,
    responses: { 200: { description: 'Month by month', schema: BillListSchema } },
    handler: async ({ params }) => {
      await requireOrganization(params.orgId);
      return { status: 200, body: { items: (await store.reseller.listBills(params.orgId)).map(billView) } };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/organizations/{orgId}/bills',
    operationId: 'closeMonth',
    summary: 'Close an ended month: AWS issues its consolidated bill now',
    description:
      'The billing feed says the month’s usage is complete. The cycle bills each month on the first of the next by ' +
      'itself; months that ended before the enrolment (back-billing from an earlier `billingFrom`) wait for this. ' +
      'Months are billed in order; a month not ended or already billed is a 409.',
    tag: TAG,
    access: ADMIN,
    params: EnrolmentParams,
    body: CloseMonthBody,
    idempotent: true,
    responses: {
      201: { description: 'Issued', schema: BillDetailSchema, headers: { Location: 'The bill' } },
    },
    handler: async ({ params, body, principal, updateId }) => {
      await requireEnrolment(store, params.orgId);
      if ((await store.reseller.getBill(params.orgId, body.month)) !== undefined) {
        throw ProblemError.conflict(`the bill of ${params.orgId} for ${body.month} is issued already`);
      }
      await temporal().closeMonth(params.orgId, body.month, `${principal.role}:${principal.sub}`, updateId);
      const bill = (await store.reseller.getBill(params.orgId, body.month))!;
      return {
        status: 201,
        body: { ...billView(bill), invoices: bill.invoices.map(invoiceView) },
        headers: { Location: `${deps.prefix}/organizations/${params.orgId}/bills/${body.month}` },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/organizations/{orgId}/bills/{month}',
    operationId: 'getConsolidatedBill',
    summary: 'Read a month’s consolidated bill with the partner’s invoices to its customers',
    tag: TAG,
    access: ADMIN,
    params: BillParams,
    responses: { 200: { description: 'The bill', schema: BillDetailSchema } },
    handler: async ({ params }) => {
      const bill = await store.reseller.getBill(params.orgId, params.month);
      if (!bill) throw ProblemError.notFound(`organization '${params.orgId}' has no bill for ${params.month}`);
      return { status: 200, body: { ...billView(bill), invoices: bill.invoices.map(invoiceView) } };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/organizations/{orgId}/bills/{month}/payment',
    operationId: 'payConsolidatedBill',
    summary: 'Record the partner’s payment of a consolidated bill',
    description:
      'The partner’s management account paid AWS the whole bill; the cycle then invoices each customer its share ' +
      '(the shares add up to the bill exactly) and notifies it. A bill not issued, already paid, or another amount is ' +
      'refused (409, 422).',
    tag: TAG,
    access: ADMIN,
    params: BillParams,
    body: BillPaymentBody,
    idempotent: true,
    responses: { 200: { description: 'Paid; the customers are invoiced', schema: BillDetailSchema } },
    handler: async ({ params, body, principal, updateId }) => {
      await requireEnrolment(store, params.orgId);
      if (!isIsoMonth(params.month)) throw ProblemError.invalid('month must be YYYY-MM');
      const existing = await store.reseller.getBill(params.orgId, params.month);
      if (!existing) {
        throw ProblemError.conflict(`organization '${params.orgId}' has no bill for ${params.month} yet`);
      }
      if (existing.status !== 'paid') {
        await temporal().payBill(
          params.orgId,
          params.month,
          toCents(body.amount),
          `${principal.role}:${principal.sub}`,
          updateId,
        );
      } else if (existing.totalCents !== toCents(body.amount)) {
        throw ProblemError.conflict(`the bill of ${params.month} is paid already (${toUsd(existing.totalCents)} USD)`);
      }
      const bill = (await store.reseller.getBill(params.orgId, params.month))!;
      return { status: 200, body: { ...billView(bill), invoices: bill.invoices.map(invoiceView) } };
    },
  });
}
