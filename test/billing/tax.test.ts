/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * R-FEE tax at the billing layer, on both store drivers: the invoicing activity bills VAT/GST on top of the fee for
 * a country with a configured rate, nothing for the US, and nothing — saying so on the invoice — for a valid country
 * without a configured rate; what the payer must pay is the fee plus that tax, to the cent.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { PaymentDesk } from '../../src/api/payment-desk';
import type { Store } from '../../src/store';
import { drivers, openTestStore, partnerInput } from '../store/pg';

let seq = Math.floor(Math.random() * 1e5);
const account = () => String(600_000_000_000 + ++seq * 7_919);

describe.each(drivers)('R-FEE: tax on the fee invoice, on %s', (driver) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const env = new MockActivityEnvironment();

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(driver));
  });
  afterAll(async () => {
    await dispose?.();
  });

  async function invoiceFor(country: string) {
    const feeAccountId = account();
    const { partner } = await store.registerPartner(partnerInput({ feeAccountId, country, tier: 'select' }));
    const { issueFeeInvoice } = createActivities({ store });
    type Issued = Awaited<ReturnType<typeof issueFeeInvoice>>;
    const issued: Issued = await env.run<Parameters<typeof issueFeeInvoice>, Issued, typeof issueFeeInvoice>(
      issueFeeInvoice,
      {
        partnerId: partner.id,
        membershipYear: '2019-12-15',
        reason: 'renewal' as const,
        on: '2019-12-15',
      },
    );
    const invoice = (await store.getInvoice(issued.invoiceId))!;
    return { partner, issued, invoice, feeAccountId };
  }

  test('a configured country (DE, 19 %) pays VAT on top of the fee; nothing is deducted from it', async () => {
    const { issued, invoice } = await invoiceFor('DE');
    expect(issued).toMatchObject({ fee: 2500, tax: 475, total: 2975 });
    expect(issued).not.toHaveProperty('taxNote');
    expect(invoice).toMatchObject({ amount: 2500, vatAmount: 475 });
  });

  test('a configured rate that does not give whole cents is rounded to the cent (CH, 8.1 %)', async () => {
    const { issued, invoice } = await invoiceFor('CH');
    expect(issued).toMatchObject({ fee: 2500, tax: 202.5, total: 2702.5 });
    expect(invoice.vatAmount).toBe(202.5);
  });

  test('the US is billed the fee alone', async () => {
    const { issued, invoice } = await invoiceFor('US');
    expect(issued).toMatchObject({ fee: 2500, tax: 0, total: 2500 });
    expect(issued).not.toHaveProperty('taxNote');
    expect(invoice.vatAmount).toBe(0);
  });

  test('a valid country without a configured rate (AR) is billed without tax, and the invoice says so', async () => {
    const { issued, invoice } = await invoiceFor('AR');
    expect(issued).toMatchObject({ fee: 2500, tax: 0, total: 2500 });
    expect(issued.taxNote).toBe('no VAT/GST rate is configured for AR on 2019-12-15: billed without tax');
    expect(invoice.vatAmount).toBe(0);
  });

  test('R-PAID: the payer pays the fee plus tax to the cent; the fee alone is refused naming the total', async () => {
    const { partner, invoice, feeAccountId } = await invoiceFor('DE');
    const desk = new PaymentDesk(store, {
      pay: () => Promise.reject(new Error('a pending payment is not handed to the lifecycle')),
    });
    const payment = {
      partnerId: partner.id,
      invoiceId: invoice.id,
      payerAccountId: feeAccountId,
      method: 'card' as const,
    };
    await expect(desk.pay({ ...payment, amount: 2500, by: 'lead', on: '2019-12-20' })).rejects.toThrow(
      /must equal the total of invoice .*\$2975\.00 \(fee plus tax\); got \$2500\.00/,
    );
    await expect(desk.pay({ ...payment, amount: 2975, by: 'lead', on: '2019-12-20' })).resolves.toMatchObject({
      status: 'pending',
      amountCents: 297_500,
    });
  });
});
