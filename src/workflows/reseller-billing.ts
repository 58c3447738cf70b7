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
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ErrorType } from '../domain/errors';
import { addMonths, billIssueDateOf, isIsoMonth } from '../domain/reseller';
import { BusinessClock } from './clock';
import { refuse, resellerActivities } from './common';
import {
  closeMonthUpdate,
  payConsolidatedBillUpdate,
  resellerBillingStateQuery,
  type BillPaymentCommand,
  type CloseMonthCommand,
  type OpenBill,
  type ResellerBillingInput,
} from './reseller-definitions';

const acts = resellerActivities;

const MONTHS_PER_RUN = 12;

/** The reseller organization's consolidated billing, month after month. */
export async function resellerBilling(input: ResellerBillingInput): Promise<void> {
  const clock = new BusinessClock(input.clock);
  let nextMonth = input.nextMonth ?? input.billingFrom;
  const unpaid = new Map<string, OpenBill>((input.unpaid ?? []).map((b) => [b.month, b]));
  const paying = new Set<string>();
  // Months the billing feed closed early, and the bills issued in this run (what a close answers with).
  const closing = new Set<string>();
  const issued = new Map<string, OpenBill & { status: 'issued' | 'paid' }>();
  let finishing = false;

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

  setHandler(
    closeMonthUpdate,
    async (command) => {
      closing.add(command.month);
      await condition(() => issued.has(command.month) || finishing);
      const bill = issued.get(command.month);
      // The run ended its year before it came to this month: the next run bills it once closed again.
      if (!bill) refuse(ErrorType.WrongState, `the cycle is starting its next run; close ${command.month} again`);
      return bill;
    },
    {
      validator: (command: CloseMonthCommand) => {
        if (!isIsoMonth(command?.month)) refuse(ErrorType.InvalidCommand, 'month must be YYYY-MM');
        if (command.month < nextMonth) refuse(ErrorType.WrongState, `the bill of ${command.month} is issued already`);
        if (command.month > nextMonth) {
          refuse(ErrorType.WrongState, `close ${nextMonth} first: the months are billed in order`);
        }
        if (clock.today() < billIssueDateOf(command.month)) {
          refuse(ErrorType.WrongState, `${command.month} has not ended: its usage may still change`);
        }
      },
    },
  );

  const limit = input.continueAsNewAfterMonths ?? MONTHS_PER_RUN;
  for (let billed = 0; billed < limit && !workflowInfo().continueAsNewSuggested; billed++) {
    const issueOn = billIssueDateOf(nextMonth);
    const month = nextMonth;
    if (input.enrolledOn !== undefined && issueOn <= input.enrolledOn) {
      // Back-billing: the month ended before the enrolment; its bill waits for the feed to close it.
      await condition(() => closing.has(month));
    } else {
      await clock.waitUntil(issueOn, () => closing.has(month));
    }
    const bill = await acts.issueConsolidatedBill({
      organizationId: input.organizationId,
      month: nextMonth,
      on: clock.today(),
    });
    if (bill.status === 'issued') {
      unpaid.set(bill.month, { month: bill.month, totalCents: bill.totalCents, issuedOn: bill.issuedOn });
    }
    issued.set(bill.month, {
      month: bill.month,
      totalCents: bill.totalCents,
      issuedOn: bill.issuedOn,
      status: bill.status,
    });
    nextMonth = addMonths(nextMonth, 1);
  }
  // Never continue as new while a payment or a close is being handled.
  finishing = true;
  await condition(allHandlersFinished);
  await continueAsNew<typeof resellerBilling>({
    ...input,
    nextMonth,
    unpaid: [...unpaid.values()],
  });
}
