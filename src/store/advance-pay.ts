/** Advance Pay (R-ADVANCE-PAY): a payer's prepaid balance, its fundings, and invoices paid from it all or nothing. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError } from './errors';
import { assertMoney, run } from './repository';
import { advancePayAccounts, advancePayApplications, advancePayFundings, invoices } from './schema';
import type { AdvancePayAccount, AdvancePayFunding, AdvancePayResult, FundingMethod, IsoDate } from './types';

export interface AdvancePayRepository {
  fundAdvancePay(input: {
    key: string;
    payerAccountId: string;
    amount: number;
    method: FundingMethod;
    on: IsoDate;
  }): Promise<AdvancePayAccount>;
  getAdvancePay(payerAccountId: string): Promise<AdvancePayAccount | undefined>;
  /**
   * Pays `invoiceId` from the payer's balance — only when the balance covers `amount` whole; debit and invoice
   * payment commit together, once per invoice.
   */
  applyAdvancePay(payerAccountId: string, invoiceId: string, amount: number, on: IsoDate): Promise<AdvancePayResult>;
}

/** The advance-pay repository over `db`. */
export function advancePayRepository(db: Db): AdvancePayRepository {
  const repo = {
    async fundAdvancePay(input: {
      key: string;
      payerAccountId: string;
      amount: number;
      method: FundingMethod;
      on: IsoDate;
    }): Promise<AdvancePayAccount> {
      assertIsoDate('on', input.on);
      assertMoney('amount', input.amount);
      return run(async () => {
        await db.transaction(async (tx) => {
          await tx
            .insert(advancePayAccounts)
            .values({ payerAccountId: input.payerAccountId })
            .onConflictDoNothing({ target: advancePayAccounts.payerAccountId });
          const [funding] = await tx
            .insert(advancePayFundings)
            .values({
              key: input.key,
              payerAccountId: input.payerAccountId,
              amount: input.amount,
              method: input.method,
              on: input.on,
            })
            .onConflictDoNothing({ target: advancePayFundings.key })
            .returning();
          if (funding) {
            await tx
              .update(advancePayAccounts)
              .set({ balance: sql`${advancePayAccounts.balance} + ${input.amount}` })
              .where(eq(advancePayAccounts.payerAccountId, input.payerAccountId));
            return;
          }
          const [existing] = await tx.select().from(advancePayFundings).where(eq(advancePayFundings.key, input.key));
          if (existing && (existing.payerAccountId !== input.payerAccountId || existing.amount !== input.amount)) {
            throw new StoreConflictError('funding-key-reused', `funding key ${input.key} was used for another funding`);
          }
        });
        const account = await repo.getAdvancePay(input.payerAccountId);
        if (!account) throw new Error('advance pay account vanished');
        return account;
      });
    },

    async getAdvancePay(payerAccountId: string): Promise<AdvancePayAccount | undefined> {
      const [account] = await db
        .select()
        .from(advancePayAccounts)
        .where(eq(advancePayAccounts.payerAccountId, payerAccountId));
      if (!account) return undefined;
      const fundings = await db
        .select()
        .from(advancePayFundings)
        .where(eq(advancePayFundings.payerAccountId, payerAccountId))
        .orderBy(asc(advancePayFundings.on), asc(advancePayFundings.createdAt), asc(advancePayFundings.key));
      return {
        payerAccountId,
        balance: account.balance,
        fundings: fundings.map((f): AdvancePayFunding => ({
          key: f.key,
          payerAccountId: f.payerAccountId,
          amount: f.amount,
          method: f.method as FundingMethod,
          on: f.on,
        })),
      };
    },

    async applyAdvancePay(
      payerAccountId: string,
      invoiceId: string,
      amount: number,
      on: IsoDate,
    ): Promise<AdvancePayResult> {
      assertIsoDate('on', on);
      assertMoney('amount', amount);
      return run(() =>
        db.transaction(async (tx): Promise<AdvancePayResult> => {
          // Lock order account → invoice everywhere, so two debits of one balance queue instead of both passing.
          const [account] = await tx
            .select()
            .from(advancePayAccounts)
            .where(eq(advancePayAccounts.payerAccountId, payerAccountId))
            .for('update');
          if (!account) return { applied: false, reason: 'no-advance-pay', balance: 0 };
          const [already] = await tx
            .select()
            .from(advancePayApplications)
            .where(eq(advancePayApplications.invoiceId, invoiceId));
          if (already) return { applied: true, balance: account.balance, alreadyApplied: true };
          const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, invoiceId)).for('update');
          if (!invoice) throw new NotFoundError('invoice', invoiceId);
          if (invoice.status !== 'open')
            return { applied: false, reason: 'invoice-not-open', balance: account.balance };
          // R-ADVANCE-PAY decision: all or nothing — a balance short of the whole invoice pays none of it.
          const [debited] = await tx
            .update(advancePayAccounts)
            .set({ balance: sql`${advancePayAccounts.balance} - ${amount}` })
            .where(
              and(
                eq(advancePayAccounts.payerAccountId, payerAccountId),
                sql`${advancePayAccounts.balance} >= ${amount}`,
              ),
            )
            .returning();
          if (!debited) return { applied: false, reason: 'insufficient-balance', balance: account.balance };
          await tx.insert(advancePayApplications).values({ invoiceId, payerAccountId, amount, on });
          await tx
            .update(invoices)
            .set({ status: 'paid', paidOn: on, paidVia: 'advance-pay' })
            .where(eq(invoices.id, invoiceId));
          return { applied: true, balance: debited.balance, alreadyApplied: false };
        }),
      );
    },
  };
  return repo;
}
