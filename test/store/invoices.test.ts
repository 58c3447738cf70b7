/** @jest-environment ./test/store/pglite-environment.ts */
/** The invoices repository (R-FEE, R-GRACE, R-PAID). On PGlite and on a real PostgreSQL. */
import { NotFoundError, StoreValidationError } from '../../src/store';
import { drivers, useTestStore, uniqueId } from './pg';

describe.each(drivers)('invoices repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  describe('invoices (R-FEE, R-GRACE)', () => {
    const invoiceFor = (partnerId: string, membershipYear = 2019) => ({
      partnerId,
      membershipYear,
      reason: 'renewal' as const,
      amount: 2500,
      vatAmount: 0,
      payerAccountId: '123456789012',
      issuedOn: '2019-12-15',
      dueOn: '2020-03-14',
    });

    test('R-FEE: a retried createInvoice returns the existing invoice, never a second one', async () => {
      const p = await registered();
      const first = await store.createInvoice(invoiceFor(p.id));
      const retry = await store.createInvoice({ ...invoiceFor(p.id), issuedOn: '2019-12-16' });
      expect(first.created).toBe(true);
      expect(retry).toEqual({ invoice: first.invoice, created: false });
      expect(first.invoice).toMatchObject({
        id: `${p.id}/invoice/2019`,
        amount: 2500,
        vatAmount: 0,
        currency: 'USD',
        status: 'open',
        issuedOn: '2019-12-15',
        dueOn: '2020-03-14',
      });
      expect(await store.listInvoices(p.id)).toHaveLength(1);
    });

    test('R-FEE: concurrent createInvoice for the same partner and year makes exactly one invoice', async () => {
      const p = await registered();
      const results = await Promise.all(Array.from({ length: 6 }, () => store.createInvoice(invoiceFor(p.id))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.invoice.id)).size).toBe(1);
      expect(await store.listInvoices(p.id)).toHaveLength(1);
    });

    test('VAT is stored on top of the fee, to the cent', async () => {
      const p = await registered({ country: 'DE' });
      const { invoice } = await store.createInvoice({ ...invoiceFor(p.id), vatAmount: 475.25 });
      expect(invoice).toMatchObject({ amount: 2500, vatAmount: 475.25 });
      await expect(store.createInvoice({ ...invoiceFor(p.id, 2020), amount: 2500.001 })).rejects.toBeInstanceOf(
        StoreValidationError,
      );
    });

    test('R-PAID: markInvoicePaid is idempotent', async () => {
      const p = await registered();
      const { invoice } = await store.createInvoice(invoiceFor(p.id));
      const paid = await store.markInvoicePaid(invoice.id, { on: '2020-01-29' });
      const again = await store.markInvoicePaid(invoice.id, { on: '2020-02-01' });
      expect(paid).toMatchObject({
        changed: true,
        invoice: { status: 'paid', paidOn: '2020-01-29', paidVia: 'payment' },
      });
      expect(again).toEqual({ invoice: paid.invoice, changed: false });
      await expect(store.markInvoicePaid(uniqueId('inv'), { on: '2020-01-29' })).rejects.toBeInstanceOf(NotFoundError);
    });

    test('R-CANCEL: voiding open invoices leaves paid ones alone; a voided year can be invoiced again', async () => {
      const p = await registered();
      const paid = (await store.createInvoice(invoiceFor(p.id, 2019))).invoice;
      await store.markInvoicePaid(paid.id, { on: '2020-01-01' });
      const open = (await store.createInvoice(invoiceFor(p.id, 2020))).invoice;
      const voided = await store.voidOpenInvoices(p.id, '2020-03-01');
      expect(voided.map((i) => [i.id, i.status, i.voidedOn])).toEqual([[open.id, 'voided', '2020-03-01']]);
      expect(await store.voidOpenInvoices(p.id, '2020-03-02')).toEqual([]);
      await expect(store.markInvoicePaid(open.id, { on: '2020-03-03' })).rejects.toMatchObject({
        code: 'invoice-voided',
      });
      const reissued = await store.createInvoice({ ...invoiceFor(p.id, 2020), reason: 'upgrade' });
      expect(reissued).toMatchObject({ created: true, invoice: { id: `${p.id}/invoice/2020-2`, status: 'open' } });
    });

    test('an invoice for an unknown partner is NotFoundError', async () => {
      await expect(store.createInvoice(invoiceFor(uniqueId()))).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});
