/** @jest-environment ./test/store/pglite-environment.ts */
/** Fee payments and Advance Pay applied when funds arrive (R-PAID, R-ADVANCE-PAY). On PGlite and on PostgreSQL. */
import { StoreConflictError } from '../../src/store';
import { drivers, useTestStore, partnerInput } from './pg';

describe.each(drivers)('payments repository on %s', (driver) => {
  const { store } = useTestStore(driver);

  let seq = 0;
  const payer = () => String(400_000_000_000 + (Date.now() % 1_000_000) * 1_000 + ++seq);
  const openInvoice = async (payerAccountId: string, issuedOn = '2019-12-15', vatAmount = 0) => {
    const { partner } = await store.registerPartner(partnerInput());
    return (
      await store.createInvoice({
        partnerId: partner.id,
        membershipYear: Number(issuedOn.slice(0, 4)),
        reason: 'renewal',
        amount: 2500,
        vatAmount,
        payerAccountId,
        issuedOn,
        dueOn: issuedOn,
      })
    ).invoice;
  };
  const funded = async (payerAccountId: string, amount: number) =>
    store.fundAdvancePay({
      key: `${payerAccountId}/${amount}`,
      payerAccountId,
      amount,
      method: 'eft',
      on: '2019-12-01',
    });

  test('R-PAID: a payer without a list of its own may pay by card or bank account; a configured list replaces it', async () => {
    const acct = payer();
    expect(await store.payments.methodsOf(acct)).toEqual({
      payerAccountId: acct,
      methods: ['card', 'bank-account'],
      configured: false,
    });
    await store.payments.setMethods(acct, ['sepa-direct-debit']);
    expect(await store.payments.methodsOf(acct)).toMatchObject({ methods: ['sepa-direct-debit'], configured: true });
  });

  test('R-PAID: pending → succeeded once; the same outcome again changes nothing, the other is a conflict', async () => {
    const invoice = await openInvoice(payer());
    const payment = await store.payments.record({
      invoiceId: invoice.id,
      method: 'card',
      amountCents: 250_000,
      recordedBy: 'lead-1',
      on: '2020-01-10',
      status: 'pending',
    });
    expect(payment).toMatchObject({ status: 'pending', amount: 2500, amountCents: 250_000, settledOn: null });
    expect((await store.payments.process(payment.id, { status: 'succeeded', on: '2020-01-12' })).changed).toBe(true);
    const again = await store.payments.process(payment.id, { status: 'succeeded', on: '2020-01-13' });
    expect(again).toMatchObject({ changed: false, payment: { status: 'succeeded', processedOn: '2020-01-12' } });
    await expect(store.payments.process(payment.id, { status: 'failed', on: '2020-01-13' })).rejects.toThrow(
      /already processed: succeeded/,
    );
    expect(await store.payments.unsettled(invoice.payerAccountId)).toEqual([
      expect.objectContaining({ id: payment.id }),
    ]);
    await store.payments.markSettled(payment.id, '2020-01-12');
    expect(await store.payments.unsettled(invoice.payerAccountId)).toEqual([]);
  });

  test('R-PAID: an invoice has one pending or succeeded payment at a time, also under concurrent requests; a failed one frees it', async () => {
    const invoice = await openInvoice(payer());
    const attempt = () =>
      store.payments.record({
        invoiceId: invoice.id,
        method: 'card',
        amountCents: 250_000,
        recordedBy: 'lead-1',
        on: '2020-01-10',
        status: 'pending',
      });
    const results = await Promise.allSettled(Array.from({ length: 8 }, attempt));
    const made = results.filter((r) => r.status === 'fulfilled');
    expect(made).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(StoreConflictError);
      expect(String(r.reason)).toMatch(/already has payment PAY-\w+ \(pending\)/);
    }
    const first = (made[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof attempt>>>).value;
    await store.payments.process(first.id, { status: 'failed', on: '2020-01-11', reason: 'card declined' });
    expect((await store.payments.get(first.id))?.failureReason).toBe('card declined');
    await expect(attempt()).resolves.toMatchObject({ status: 'pending' });
  });

  test('R-ADVANCE-PAY: funds arriving pay the due invoices the balance covers whole, oldest first, in cents', async () => {
    const acct = payer();
    const older = await openInvoice(acct, '2019-06-01', 475.5); // 2975.50
    const newer = await openInvoice(acct, '2019-12-15'); // 2500.00
    const notDue = await openInvoice(acct, '2020-02-01');
    await funded(acct, 3000);
    const paid = await store.payments.payFromAdvancePay({ payerAccountId: acct, on: '2020-01-20', recordedBy: 'ap' });
    expect(paid.map((p) => [p.invoiceId, p.amountCents, p.method, p.status])).toEqual([
      [older.id, 297_550, 'advance-pay', 'succeeded'],
    ]);
    expect((await store.getAdvancePay(acct))?.balance).toBe(24.5);
    expect((await store.getInvoice(older.id))?.status).toBe('paid');
    expect((await store.getInvoice(newer.id))?.status).toBe('open');
    expect((await store.getInvoice(notDue.id))?.status).toBe('open');
    // Not enough for the next one: nothing is applied (all or nothing).
    expect(
      await store.payments.payFromAdvancePay({ payerAccountId: acct, on: '2020-01-21', recordedBy: 'ap' }),
    ).toEqual([]);
    expect((await store.getAdvancePay(acct))?.balance).toBe(24.5);
  });

  test('R-ADVANCE-PAY: concurrent and repeated applications of one funding pay each invoice once and never overdraw', async () => {
    const acct = payer();
    const invoices = [
      await openInvoice(acct, '2019-12-15'),
      await openInvoice(acct, '2019-12-16'),
      await openInvoice(acct, '2019-12-17'),
    ];
    await funded(acct, 5000);
    const rounds = await Promise.all(
      Array.from({ length: 10 }, () =>
        store.payments.payFromAdvancePay({ payerAccountId: acct, on: '2020-01-20', recordedBy: 'ap' }),
      ),
    );
    const made = rounds.flat();
    expect(made.map((p) => p.invoiceId).sort()).toEqual([invoices[0]!.id, invoices[1]!.id].sort());
    expect((await store.getAdvancePay(acct))?.balance).toBe(0);
    expect((await store.getInvoice(invoices[2]!.id))?.status).toBe('open');
    expect(await store.payments.unsettled(acct)).toHaveLength(2);
  });

  test('R-ADVANCE-PAY: an invoice with a payment pending at the bank is left to that payment', async () => {
    const acct = payer();
    const invoice = await openInvoice(acct);
    await store.payments.record({
      invoiceId: invoice.id,
      method: 'bank-account',
      amountCents: 250_000,
      recordedBy: 'lead-1',
      on: '2020-01-10',
      status: 'pending',
    });
    await funded(acct, 2500);
    expect(
      await store.payments.payFromAdvancePay({ payerAccountId: acct, on: '2020-01-20', recordedBy: 'ap' }),
    ).toEqual([]);
    expect((await store.getAdvancePay(acct))?.balance).toBe(2500);
  });
});
