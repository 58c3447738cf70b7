/**
 * Advance Pay for a payer account (R-ADVANCE-PAY, 003), kept by program admins for the billing back office: register,
 * issue a funding document whose reference the transfer must quote, record the transfer when it arrives, read the
 * balance with the funding history. The balance pays the payer's invoices when they fall due, if it covers them whole.
 */
import type { Router } from 'express';
import type { Lifecycle } from '../lifecycle';
import {
  AccountParams,
  AdvancePayStatementSchema,
  FundingDocumentBody,
  FundingDocumentSchema,
  RegisterAdvancePayBody,
  TransferBody,
  TransferResultSchema,
} from '../billing-schemas';
import { PaymentDesk } from '../payment-desk';
import { ProblemError } from '../problem';
import { defineRoute, type RouteDeps } from '../route';

export interface AdvancePayRouteDeps extends RouteDeps {
  lifecycle: Pick<Lifecycle, 'today' | 'pay'>;
}

const ADMIN = { roles: ['program-admin'] } as const;

export function advancePayRoutes(router: Router, deps: AdvancePayRouteDeps): void {
  const { store, lifecycle } = deps;
  const desk = new PaymentDesk(store, lifecycle);

  defineRoute(router, deps, {
    method: 'post',
    path: '/advance-pay/{accountId}',
    operationId: 'registerAdvancePay',
    summary: 'Register a payer account for Advance Pay',
    description: 'Registering again changes nothing and answers 200.',
    tag: 'Billing',
    access: ADMIN,
    params: AccountParams,
    body: RegisterAdvancePayBody,
    idempotent: true,
    responses: {
      200: { description: 'Already registered', schema: AdvancePayStatementSchema },
      201: { description: 'Registered', schema: AdvancePayStatementSchema, headers: { Location: 'The statement' } },
    },
    handler: async ({ params, body }) => {
      const { statement, created } = await store.advancePay.register(
        params.accountId,
        body.registeredOn ?? lifecycle.today(),
      );
      return {
        status: created ? 201 : 200,
        body: statement,
        headers: { Location: `${deps.prefix}/advance-pay/${params.accountId}` },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/advance-pay/{accountId}',
    operationId: 'getAdvancePay',
    summary: 'Read a payer’s Advance Pay balance, funding history and funding documents',
    tag: 'Billing',
    access: ADMIN,
    params: AccountParams,
    responses: { 200: { description: 'The statement', schema: AdvancePayStatementSchema } },
    handler: async ({ params }) => {
      const statement = await store.advancePay.statement(params.accountId);
      if (!statement) throw ProblemError.notFound(`payer ${params.accountId} has no Advance Pay`);
      return { status: 200, body: statement };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/advance-pay/{accountId}/funding-documents',
    operationId: 'issueFundingDocument',
    summary: 'Issue an Advance Pay funding document',
    description:
      'The answer carries the reference the US bank transfer or EFT must quote. A payer not registered for Advance ' +
      'Pay is a 409.',
    tag: 'Billing',
    access: ADMIN,
    params: AccountParams,
    body: FundingDocumentBody,
    idempotent: true,
    responses: { 201: { description: 'Issued', schema: FundingDocumentSchema } },
    handler: async ({ params, body }) => ({
      status: 201,
      body: await store.advancePay.issueDocument({
        payerAccountId: params.accountId,
        amount: body.amount,
        method: body.method,
        on: body.issuedOn ?? lifecycle.today(),
      }),
    }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/advance-pay/{accountId}/transfers',
    operationId: 'receiveAdvancePayTransfer',
    summary: 'Record a transfer that funds Advance Pay',
    description:
      'The transfer quoted a funding document’s reference: its amount is added to the balance once per reference ' +
      '(the same transfer recorded again answers 200 and adds nothing; with another amount 409). An unknown ' +
      'reference, or one of another payer, is a 404. R-ADVANCE-PAY: the balance then pays every due open invoice ' +
      'of the payer it covers whole, oldest first, and each partner’s lifecycle takes its fee as paid (`payments`).',
    tag: 'Billing',
    access: ADMIN,
    params: AccountParams,
    body: TransferBody,
    idempotent: true,
    responses: {
      200: { description: 'Already recorded', schema: TransferResultSchema },
      201: { description: 'Funded', schema: TransferResultSchema },
    },
    handler: async ({ params, body }) => {
      const { document, account, funded, payments } = await desk.receiveTransfer({
        payerAccountId: params.accountId,
        reference: body.reference,
        amount: body.amount,
        on: body.receivedOn ?? lifecycle.today(),
      });
      const openInvoices = await store.advancePay.openInvoicesOf(params.accountId);
      return { status: funded ? 201 : 200, body: { document, balance: account.balance, payments, openInvoices } };
    },
  });
}
