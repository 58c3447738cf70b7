/** R-RESELLER: the consolidated bill and its split over the customers (largest remainder), as pure rules. */
import fc from 'fast-check';
import {
  addMonths,
  allocateLargestRemainder,
  billIssueDateOf,
  billingLabelOf,
  consolidatedBill,
  invitationExpiryOf,
} from '../../src/domain/reseller';

const sum = (values: Iterable<number>) => [...values].reduce((s, v) => s + v, 0);

describe('allocateLargestRemainder (R-RESELLER)', () => {
  test('splits 100 cents over three equal weights as 34/33/33, the extra cent to the earliest key', () => {
    const parts = allocateLargestRemainder(100, [
      { key: 'b', weight: 1 },
      { key: 'a', weight: 1 },
      { key: 'c', weight: 1 },
    ]);
    expect(Object.fromEntries(parts)).toEqual({ a: 34, b: 33, c: 33 });
  });

  test('the left-over cents go to the largest remainders', () => {
    // Exact shares of 10 over 1:2:7 → 1, 2, 7; of 11 → 1.1, 2.2, 7.7 → floors 1, 2, 7 and the one cent to 7.7.
    expect(
      Object.fromEntries(
        allocateLargestRemainder(11, [
          { key: 'x', weight: 1 },
          { key: 'y', weight: 2 },
          { key: 'z', weight: 7 },
        ]),
      ),
    ).toEqual({ x: 1, y: 2, z: 8 });
  });

  test('refuses fractional cents, negative weights and a total over zero weights', () => {
    expect(() => allocateLargestRemainder(1.5, [{ key: 'a', weight: 1 }])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(1, [{ key: 'a', weight: -1 }])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(1, [{ key: 'a', weight: 0 }])).toThrow(RangeError);
    expect(Object.fromEntries(allocateLargestRemainder(0, [{ key: 'a', weight: 0 }]))).toEqual({ a: 0 });
  });

  const weightsArb = fc.uniqueArray(
    fc.record({ key: fc.string({ minLength: 1, maxLength: 4 }), weight: fc.integer({ min: 0, max: 1_000_000_000 }) }),
    { selector: (w) => w.key, minLength: 1, maxLength: 12 },
  );

  test('property: the parts add up to the total exactly, and each is within one cent of its exact share', () => {
    fc.assert(
      fc.property(
        weightsArb.filter((ws) => ws.some((w) => w.weight > 0)),
        fc.integer({ min: 0, max: 10_000_000_000 }),
        (weights, total) => {
          const parts = allocateLargestRemainder(total, weights);
          expect(sum(parts.values())).toBe(total);
          const weightSum = sum(weights.map((w) => w.weight));
          for (const w of weights) {
            const exact = (total * w.weight) / weightSum;
            const part = parts.get(w.key)!;
            expect(Number.isInteger(part)).toBe(true);
            expect(Math.abs(part - exact)).toBeLessThan(1 + 1e-6);
          }
        },
      ),
    );
  });

  test('property: the split does not depend on the order the items come in', () => {
    fc.assert(
      fc.property(
        weightsArb.filter((ws) => ws.some((w) => w.weight > 0)),
        fc.integer({ min: 0, max: 1_000_000 }),
        (weights, total) => {
          const forward = allocateLargestRemainder(total, weights);
          const backward = allocateLargestRemainder(total, [...weights].reverse());
          expect(Object.fromEntries(backward)).toEqual(Object.fromEntries(forward));
        },
      ),
    );
  });
});

describe('consolidatedBill (R-RESELLER)', () => {
  test("the partner's discount is passed on: the customers' shares add up to the discounted bill", () => {
    const bill = consolidatedBill({
      month: '2019-03',
      discountBasisPoints: 700,
      usage: [
        { accountId: '222222222222', usageCents: 100_001 },
        { accountId: '333333333333', usageCents: 33_333 },
      ],
    });
    expect(bill).toMatchObject({ usageCents: 133_334, discountCents: 9_333, totalCents: 124_001 });
    expect(sum(bill.lines.map((l) => l.shareCents))).toBe(bill.totalCents);
    expect(bill.lines.map((l) => l.shareCents)).toEqual([93_001, 31_000]);
  });

  test('property: for any usage and discount the shares add up to the total, which is usage less discount', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            accountId: fc.integer({ min: 100_000_000_000, max: 999_999_999_999 }).map(String),
            usageCents: fc.integer({ min: 0, max: 1_000_000_000 }),
          }),
          { selector: (l) => l.accountId, maxLength: 10 },
        ),
        fc.integer({ min: 0, max: 10_000 }),
        (usage, bps) => {
          const bill = consolidatedBill({ month: '2020-01', discountBasisPoints: bps, usage });
          expect(bill.totalCents).toBe(bill.usageCents - bill.discountCents);
          expect(sum(bill.lines.map((l) => l.shareCents))).toBe(bill.totalCents);
          for (const line of bill.lines) expect(line.shareCents).toBeLessThanOrEqual(line.usageCents);
        },
      ),
    );
  });
});

describe('calendar and labels (R-RESELLER)', () => {
  test('an invitation sent on 2019-03-01 expires on 2019-03-16 (15 days)', () => {
    expect(invitationExpiryOf('2019-03-01')).toBe('2019-03-16');
  });
  test('the bill of December is issued on the first of January', () => {
    expect(billIssueDateOf('2019-12')).toBe('2020-01-01');
    expect(addMonths('2019-01', -1)).toBe('2018-12');
  });
  test('a member of a reseller organization reads "Reseller Billing by Partner (Consolidated Billing)"', () => {
    expect(billingLabelOf({ reseller: true })).toBe('Reseller Billing by Partner (Consolidated Billing)');
    expect(billingLabelOf({ reseller: false })).not.toBe(billingLabelOf({ reseller: true }));
    expect(billingLabelOf(undefined)).toBe('Billed by AWS');
  });
});
