/**
 * The monthly consolidated cycle of one reseller organization (R-RESELLER, 002), `reseller-billing/<orgId>`: on the
 * bill day of each month AWS bills the partner's management account the month's usage of every member account; the
 * partner pays it (an Update); then the partner invoices each customer account its share. Continues as new once a
 * year (twelve bills) or when Temporal suggests it, carrying the next month and the bills still unpaid.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ResellerActivities } from '../activities/reseller';
import { ErrorType } from '../domain/errors';
import { addMonths, billIssueDateOf, isIsoMonth } from '../domain/reseller';
import { BusinessClock } from './clock';
import {
  payConsolidatedBillUpdate,
  resellerBillingStateQuery,
  type BillPaymentCommand,
  type OpenBill,
  type ResellerBillingInput,
} from './reseller-definitions';

// Idempotent store writes: retried until the store answers, so a month is never skipped for a transient fault.
const acts = proxyActivities<ResellerActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

const MONTHS_PER_RUN = 12;

function refuse(type: ErrorType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** The reseller organization's consolidated billing, month after month. */
export async function resellerBilling(input: ResellerBillingInput): Promise<void> {
  const clock = new BusinessClock(input.clock);
  let nextMonth = input.nextMonth ?? input.billingFrom;
  const unpaid = new Map<string, OpenBill>((input.unpaid ?? []).map((b) => [b.month, b]));
  const paying = new Set<string>();

  setHandler(resellerBillingStateQuery, () => ({
    organizationId: input.organizationId,
    nextMonth,
    nextBillOn: billIssueDateOf(nextMonth),
    unpaid: [...unpaid.values()],
  }));

  setHandler(
    payConsolidatedBillUpdate,
    async (command) => {
      paying.add(command.month);
      try {
        const result = await acts.payConsolidatedBill({
          organizationId: input.organizationId,
          month: command.month,
          amountCents: command.amountCents,
          on: clock.today(),
        });
        unpaid.delete(command.month);
        return result;
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof ApplicationFailure) {
          refuse((cause.type as ErrorType | undefined) ?? ErrorType.Conflict, cause.message);
        }
        throw err;
      } finally {
        paying.delete(command.month);
      }
    },
    {
      validator: (command: BillPaymentCommand) => {
        if (!isIsoMonth(command?.month)) refuse(ErrorType.InvalidCommand, 'month must be YYYY-MM');
        if (!Number.isSafeInteger(command.amountCents) || command.amountCents <= 0) {
          refuse(ErrorType.InvalidCommand, 'amountCents must be a positive whole number of cents');
        }
        const bill = unpaid.get(command.month);
        if (!bill) {
          refuse(
            ErrorType.WrongState,
            command.month >= nextMonth
              ? `the bill of ${command.month} is not issued yet (it is issued on ${billIssueDateOf(command.month)})`
              : `the bill of ${command.month} is not waiting for a payment`,
          );
        }
        if (paying.has(command.month)) refuse(ErrorType.WrongState, `the bill of ${command.month} is being paid`);
        if (command.amountCents !== bill.totalCents) {
          refuse(
            ErrorType.InvalidCommand,
            `the bill of ${command.month} is ${(bill.totalCents / 100).toFixed(2)} USD; pay all of it ` +
              `(got ${(command.amountCents / 100).toFixed(2)})`,
          );
        }
      },
    },
  );

  const limit = input.continueAsNewAfterMonths ?? MONTHS_PER_RUN;
  for (let billed = 0; billed < limit && !workflowInfo().continueAsNewSuggested; billed++) {
    await clock.waitUntil(billIssueDateOf(nextMonth), () => false);
    const bill = await acts.issueConsolidatedBill({
      organizationId: input.organizationId,
      month: nextMonth,
      on: clock.today(),
    });
    if (bill.status === 'issued') {
      unpaid.set(bill.month, { month: bill.month, totalCents: bill.totalCents, issuedOn: bill.issuedOn });
    }
    nextMonth = addMonths(nextMonth, 1);
  }
  // Never continue as new while a payment is being recorded.
  await condition(allHandlersFinished);
  await continueAsNew<typeof resellerBilling>({
    ...input,
    nextMonth,
    unpaid: [...unpaid.values()],
  });
}
