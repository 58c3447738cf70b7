/** @jest-environment ./test/store/pglite-environment.ts */
/** The Advance Pay repository (R-ADVANCE-PAY). On PGlite and on a real PostgreSQL. */
import { drivers, useTestStore } from './pg';

describe.each(drivers)('advance-pay repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  describe('Advance Pay (R-ADVANCE-PAY)', () => {
    const payer = () => String(200_000_000_000 + Math.floor(Math.random() * 700_000_000_000));
    const openInvoice = async (payerAccountId: string, membershipYear = 2019) => {
      const p = await registered();
      return (
        await store.createInvoice({
          partnerId: p.id,
          membershipYear,
          reason: 'renewal',
          amount: 2500,
          vatAmount: 0,
          payerAccountId,
          issuedOn: '2019-12-15',
          dueOn: '2020-03-14',
        })
      ).invoice;
    };

    test('funding is idempotent per key and kept as history', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f1`,
        payerAccountId: acct,
        amount: 1000,
        method: 'us-bank-transfer',
        on: '2019-01-01',
      });
      await store.fundAdvancePay({
        key: `${acct}/f1`,
        payerAccountId: acct,
        amount: 1000,
        method: 'us-bank-transfer',
        on: '2019-01-01',
      });
      const funded = await store.fundAdvancePay({
        key: `${acct}/f2`,
        payerAccountId: acct,
        amount: 500.5,
        method: 'eft',
        on: '2019-02-01',
      });
      expect(funded.balance).toBe(1500.5);
      expect(funded.fundings.map((f) => [f.amount, f.method, f.on])).toEqual([
        [1000, 'us-bank-transfer', '2019-01-01'],
        [500.5, 'eft', '2019-02-01'],
      ]);
      await expect(
        store.fundAdvancePay({ key: `${acct}/f1`, payerAccountId: acct, amount: 9, method: 'eft', on: '2019-01-01' }),
      ).rejects.toMatchObject({ code: 'funding-key-reused' });
    });

    test('a balance short of the whole invoice applies nothing', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 2499.99,
        method: 'eft',
        on: '2019-01-01',
      });
      const invoice = await openInvoice(acct);
      expect(await store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')).toEqual({
        applied: false,
        reason: 'insufficient-balance',
        balance: 2499.99,
      });
      expect((await store.getAdvancePay(acct))?.balance).toBe(2499.99);
      expect((await store.getInvoice(invoice.id))?.status).toBe('open');
    });

    test('a payer without Advance Pay applies nothing', async () => {
      const acct = payer();
      const invoice = await openInvoice(acct);
      expect(await store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')).toMatchObject({
        applied: false,
        reason: 'no-advance-pay',
      });
    });

    test('a covering balance pays the invoice once, however often it is retried', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 6000,
        method: 'us-bank-transfer',
        on: '2019-01-01',
      });
      const invoice = await openInvoice(acct);
      const results = await Promise.all(
        [1, 2, 3].map(() => store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')),
      );
      expect(results.filter((r) => r.applied && !r.alreadyApplied)).toHaveLength(1);
      expect(results.every((r) => r.applied)).toBe(true);
      expect((await store.getAdvancePay(acct))?.balance).toBe(3500);
      expect(await store.getInvoice(invoice.id)).toMatchObject({
        status: 'paid',
        paidVia: 'advance-pay',
        paidOn: '2020-03-14',
      });
    });

    test('two invoices racing for a balance that covers one: exactly one is paid', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 3000,
        method: 'eft',
        on: '2019-01-01',
      });
      const [a, b] = [await openInvoice(acct), await openInvoice(acct)];
      const results = await Promise.all([a, b].map((i) => store.applyAdvancePay(acct, i.id, 2500, '2020-03-14')));
      expect(results.map((r) => r.applied).sort()).toEqual([false, true]);
      expect((await store.getAdvancePay(acct))?.balance).toBe(500);
    });

    test('an invoice already paid another way is not debited', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 3000,
        method: 'eft',
        on: '2019-01-01',
      });
      const invoice = await openInvoice(acct);
      await store.markInvoicePaid(invoice.id, { on: '2020-01-01' });
      expect(await store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')).toMatchObject({
        applied: false,
        reason: 'invoice-not-open',
        balance: 3000,
      });
    });
  });
});
