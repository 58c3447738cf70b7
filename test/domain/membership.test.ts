/** Membership calendar helpers the lifecycle workflows use (R-FEE, R-GRACE, R-RENEWAL). */
import {
  apn2019,
  feeAmounts,
  feeDeadline,
  isRenewalMonthDay,
  membershipYearOf,
  nextRenewalOnOrAfter,
  renewalInYear,
  renewalReviewDate,
} from '../../src/domain';

describe('membership calendar', () => {
  it('R-RENEWAL: a 02-29 renewal falls on Feb 28 in common years', () => {
    expect(isRenewalMonthDay('02-29')).toBe(true);
    expect(isRenewalMonthDay('02-30')).toBe(false);
    expect(renewalInYear('02-29', 2019)).toBe('2019-02-28');
    expect(renewalInYear('02-29', 2020)).toBe('2020-02-29');
  });

  it('R-RENEWAL: next renewal and membership year around the renewal day', () => {
    expect(nextRenewalOnOrAfter('12-15', '2019-12-15')).toBe('2019-12-15');
    expect(nextRenewalOnOrAfter('12-15', '2019-12-16')).toBe('2020-12-15');
    expect(membershipYearOf('12-15', '2019-12-14')).toBe('2018-12-15');
    expect(membershipYearOf('12-15', '2019-12-15')).toBe('2019-12-15');
  });

  it('R-RENEWAL: 2019 renewals from 04-01 to 12-13 are reviewed on 2019-12-13; later ones on their date', () => {
    expect(renewalReviewDate('2019-04-01', apn2019.lifecycle)).toBe('2019-12-13');
    expect(renewalReviewDate('2019-12-13', apn2019.lifecycle)).toBe('2019-12-13');
    expect(renewalReviewDate('2019-03-31', apn2019.lifecycle)).toBe('2019-03-31');
    expect(renewalReviewDate('2019-12-15', apn2019.lifecycle)).toBe('2019-12-15');
  });

  it('R-GRACE: the fee is due 90 days after the invoice', () => {
    expect(feeDeadline('2019-12-15', apn2019.lifecycle)).toBe('2020-03-14');
  });

  it('R-FEE: tax is added on top outside the United States, never deducted', () => {
    expect(feeAmounts('US', apn2019.lifecycle)).toEqual({ fee: 2500, tax: 0, taxRate: 0, total: 2500 });
    expect(feeAmounts('de', apn2019.lifecycle)).toEqual({ fee: 2500, tax: 475, taxRate: 0.19, total: 2975 });
    expect(() => feeAmounts('XX', apn2019.lifecycle)).toThrow(RangeError);
  });
});
