/** Membership calendar helpers the lifecycle workflows use (R-FEE, R-GRACE, R-RENEWAL). */
import { isCountryCode } from '../../src/domain/partner';
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
    const on = '2019-12-15';
    expect(feeAmounts('US', apn2019.lifecycle, on)).toEqual({ fee: 2500, tax: 0, taxRate: 0, total: 2500 });
    expect(feeAmounts('de', apn2019.lifecycle, on)).toEqual({ fee: 2500, tax: 475, taxRate: 0.19, total: 2975 });
  });

  it('R-FEE: a country without a configured rate is billed the fee alone, and the amounts say so', () => {
    expect(feeAmounts('LU', apn2019.lifecycle, '2019-12-15')).toEqual({
      fee: 2500,
      tax: 0,
      taxRate: null,
      total: 2500,
      taxNote: 'no VAT/GST rate is configured for LU on 2019-12-15: billed without tax',
    });
  });

  it('R-FEE: the rate in force on the invoice date applies (Finland 24 % until 2024-08-31, then 25.5 %)', () => {
    expect(feeAmounts('FI', apn2019.lifecycle, '2019-12-15')).toMatchObject({ taxRate: 0.24, tax: 600, total: 3100 });
    expect(feeAmounts('FI', apn2019.lifecycle, '2024-08-31')).toMatchObject({ taxRate: 0.24 });
    expect(feeAmounts('FI', apn2019.lifecycle, '2024-09-01')).toMatchObject({ taxRate: 0.255, tax: 637.5 });
  });
});

describe('R-FEE: any assigned country is a valid partner country', () => {
  it('accepts assigned ISO 3166-1 alpha-2 codes, configured for tax or not', () => {
    for (const code of ['US', 'DE', 'LU', 'XK', 'AQ']) expect(isCountryCode(code)).toBe(true);
  });
  it('refuses unassigned codes and groupings', () => {
    for (const code of ['XX', 'ZZ', 'QQ', 'AA', 'EU', 'UN', 'us', 'USA']) expect(isCountryCode(code)).toBe(false);
  });
});
