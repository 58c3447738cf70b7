/**
 * Paying the program fee (R-PAID, 000): the payer's eligible payment methods, a payment of a named invoice by its
 * payer account, the bank's outcome (an explicit step the billing back office — or a test — drives), and the
 * partner's payments. Only a succeeded payment settles the invoice, through the partner's lifecycle.
 */
import type { Router } from 'express';
import { AccountParams } from '../billing-schemas';
import type { Lifecycle } from '../lifecycle';
import { PaymentDesk } from '../payment-desk';
import {
  InvoicePaymentBody,
  PaymentListSchema,
  PaymentMethodsBody,
  PaymentMethodsSchema,
  PaymentOutcomeBody,
  PaymentParams,
  PaymentSchema,
} from '../payment-schemas';
import { ProblemError } from '../problem';
import { defineRoute, type RouteDeps } from '../route';
import { PartnerParams } from '../schemas';

export interface PaymentRouteDeps extends RouteDeps {
  lifecycle: Lifecycle;
}

const ADMIN = { roles: ['program-admin'] } as const;

export function paymentRoutes(router: Router, deps: PaymentRouteDeps): void {
  const { store, lifecycle } = deps;
  const desk = new PaymentDesk(store, lifecycle);

  defineRoute(router, deps, {
    method: 'get',
    path: '/accounts/{accountId}/payment-methods',
    operationId: 'getPaymentMethods',
    summary: 'Read the payment methods a payer account may use',
    tag: 'Billing',
    access: ADMIN,
    params: AccountParams,
    responses: { 200: { description: 'Eligible methods', schema: PaymentMethodsSchema } },
    handler: async ({ params }) => ({ status: 200, body: await store.payments.methodsOf(params.accountId) }),
  });

  defineRoute(router, deps, {
    method: 'put',
    path: '/accounts/{accountId}/payment-methods',
    operationId: 'setPaymentMethods',
    summary: 'Set the payment methods a payer account may use',
    description: 'Replaces the list; a payer without a list of its own may pay by card or bank account.',
    tag: 'Billing',
    access: ADMIN,
    params: AccountParams,
    body: PaymentMethodsBody,
    responses: { 200: { description: 'Eligible methods', schema: PaymentMethodsSchema } },
    handler: async ({ params, body }) => ({
      status: 200,
      body: await store.payments.setMethods(params.accountId, body.methods),
    }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/payments',
    operationId: 'payInvoice',
    summary: 'Pay an invoice from its payer account',
    description:
      'R-PAID (000): the payer account pays the named invoice in full with one of its eligible methods. The payment ' +
      'is `pending` until the bank processes it (POST /payments/{paymentId}/processing); only a succeeded payment ' +
      'settles the invoice. Another payer, another amount or an ineligible method is a 422; an invoice that is not ' +
      'open, or already has a pending or succeeded payment, a 409.',
    tag: 'Fees and cases',
    access: { roles: ['program-admin', 'alliance-lead', 'alliance-team'], scope: 'partner' },
    params: PartnerParams,
    body: InvoicePaymentBody,
    idempotent: true,
    responses: {
      201: { description: 'Recorded, pending', schema: PaymentSchema, headers: { Location: 'The payment' } },
    },
    handler: async ({ partner, body, principal }) => {
      const payment = await desk.pay({
        partnerId: partner!.id,
        invoiceId: body.invoiceId,
        payerAccountId: body.payerAccountId,
        amount: body.amount,
        method: body.method,
        by: principal.sub,
        on: body.paidOn ?? lifecycle.today(),
      });
      return { status: 201, body: payment, headers: { Location: `${deps.prefix}/payments/${payment.id}` } };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/payments',
    operationId: 'listPartnerPayments',
    summary: 'List the partner’s fee payments',
    tag: 'Fees and cases',
    access: { roles: ['program-admin', 'partner-manager', 'alliance-lead', 'alliance-team'], scope: 'partner' },
    params: PartnerParams,
    responses: { 200: { description: 'Payments, oldest first', schema: PaymentListSchema } },
    handler: async ({ partner }) => ({
      status: 200,
      body: { items: await store.payments.listForPartner(partner!.id) },
    }),
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/payments/{paymentId}',
    operationId: 'getPayment',
    summary: 'Read a payment',
    tag: 'Billing',
    access: ADMIN,
    params: PaymentParams,
    responses: { 200: { description: 'The payment', schema: PaymentSchema } },
    handler: async ({ params }) => {
      const payment = await store.payments.get(params.paymentId);
      if (!payment) throw ProblemError.notFound(`payment ${params.paymentId} not found`);
      return { status: 200, body: payment };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/payments/{paymentId}/processing',
    operationId: 'processPayment',
    summary: 'Record the bank’s outcome of a pending payment',
    description:
      '000 step 6, "after your bank processes your payment": `succeeded` settles the invoice through the partner’s ' +
      'lifecycle (fee paid, promo code sent); `failed` leaves the invoice open for another payment. The same ' +
      'outcome again answers the payment as it stands (finishing a settlement a failure interrupted); the other ' +
      'outcome of a processed payment is a 409.',
    tag: 'Billing',
    access: ADMIN,
    params: PaymentParams,
    body: PaymentOutcomeBody,
    idempotent: true,
    responses: { 200: { description: 'The payment', schema: PaymentSchema } },
    handler: async ({ params, body }) => ({
      status: 200,
      body: await desk.process(params.paymentId, {
        status: body.outcome,
        on: body.processedOn ?? lifecycle.today(),
        ...(body.reason ? { reason: body.reason } : {}),
      }),
    }),
  });
}
