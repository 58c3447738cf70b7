/** Payment methods, eligibility and money in cents (R-PAID, R-ADVANCE-PAY): pure rules, no I/O. */
import fc from 'fast-check';
import {
  DEFAULT_ELIGIBLE_METHODS,
  eligibleMethods,
  invoicesCovered,
  invoiceTotalCents,
  methodRefusal,
  toCents,
} from '../../src/domain/payments';

test('R-PAID: without a configured list a payer may pay by card or bank account; a configured list replaces it', () => {
  expect(eligibleMethods(undefined)).toEqual(['card', 'bank-account']);
  expect(eligibleMethods([])).toBe(DEFAULT_ELIGIBLE_METHODS);
  expect(eligibleMethods(['sepa-direct-debit'])).toEqual(['sepa-direct-debit']);
  expect(methodRefusal('card', ['card'])).toBeUndefined();
  expect(methodRefusal('advance-pay', DEFAULT_ELIGIBLE_METHODS)).toBe(
    "payment method 'advance-pay' is not eligible for this payer; eligible: card, bank-account",
  );
});

test('money is integer cents: fee plus tax adds up to the cent', () => {
  expect(invoiceTotalCents({ amount: 2500, vatAmount: 202.5 })).toBe(270_250);
  expect(toCents(0.1 + 0.2)).toBe(30);
});

test('R-ADVANCE-PAY: funds pay invoices oldest first, each only when what is left covers it whole', () => {
  const open = [
    { invoiceId: 'b', totalCents: 300_000, issuedOn: '2020-01-01' },
    { invoiceId: 'a', totalCents: 250_000, issuedOn: '2019-12-15' },
    { invoiceId: 'c', totalCents: 100_000, issuedOn: '2020-02-01' },
  ];
  expect(invoicesCovered(99_999, open)).toEqual([]);
  // Short of the oldest: a later invoice it covers whole is still paid.
  expect(invoicesCovered(249_999, open)).toEqual(['c']);
  expect(invoicesCovered(250_000, open)).toEqual(['a']);
  // What is left after 'a' is short of 'b', but covers the later, smaller 'c'.
  expect(invoicesCovered(400_000, open)).toEqual(['a', 'c']);
  expect(invoicesCovered(650_000, open)).toEqual(['a', 'b', 'c']);
});

test('R-ADVANCE-PAY: what the balance pays never exceeds it, and no invoice is paid twice', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2_000_000 }),
      fc.array(fc.integer({ min: 1, max: 500_000 }), { maxLength: 8 }),
      (balance, totals) => {
        const open = totals.map((totalCents, i) => ({ invoiceId: `i${i}`, totalCents, issuedOn: '2019-12-15' }));
        const chosen = invoicesCovered(balance, open);
        expect(new Set(chosen).size).toBe(chosen.length);
        const paid = chosen.reduce((sum, id) => sum + open.find((o) => o.invoiceId === id)!.totalCents, 0);
        expect(paid).toBeLessThanOrEqual(balance);
      },
    ),
  );
});
