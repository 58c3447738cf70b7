/**
 * Membership calendar and fee arithmetic (R-FEE, R-RENEWAL): pure functions of a renewal month-day, a date and the
 * catalog's lifecycle parameters. No zod here: the lifecycle workflows import this file.
 */
import type { LifecycleParameters } from './catalog/types';
import { addDays, daysInMonth, type IsoDate } from './dates';

/** `MM-DD` of a membership renewal; Feb 29 renews on Feb 28 in common years. */
export type RenewalMonthDay = string;

const MONTH_DAY = /^(\d{2})-(\d{2})$/;

/** Whether `md` is a real month-day (`02-29` allowed: it falls on Feb 28 in common years). */
export function isRenewalMonthDay(md: string): boolean {
  const m = MONTH_DAY.exec(md);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(2020, month);
}

/** The renewal date falling in `year`. */
export function renewalInYear(md: RenewalMonthDay, year: number): IsoDate {
  const m = MONTH_DAY.exec(md);
  if (!m) throw new RangeError(`renewal date '${md}' is not MM-DD`);
  const month = Number(m[1]);
  const day = Math.min(Number(m[2]), daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${m[1]}-${String(day).padStart(2, '0')}`;
}

/** The first renewal date on or after `on`. */
export function nextRenewalOnOrAfter(md: RenewalMonthDay, on: IsoDate): IsoDate {
  const year = Number(on.slice(0, 4));
  const thisYear = renewalInYear(md, year);
  return thisYear >= on ? thisYear : renewalInYear(md, year + 1);
}

/** The membership year containing `on`, named by its first day (the latest renewal date on or before `on`). */
export function membershipYearOf(md: RenewalMonthDay, on: IsoDate): IsoDate {
  const year = Number(on.slice(0, 4));
  const thisYear = renewalInYear(md, year);
  return thisYear <= on ? thisYear : renewalInYear(md, year - 1);
}

/**
 * The date a renewal is reviewed for compliance: the renewal date itself, unless a catalog transition moves it
 * (2019: renewals from 2019-04-01 to 2019-12-13 are reviewed on 2019-12-13, FAQ 4). The fee still follows the
 * renewal date (FAQ 6).
 */
export function renewalReviewDate(renewalOn: IsoDate, lifecycle: LifecycleParameters): IsoDate {
  for (const t of lifecycle.renewal.transitions) {
    if (renewalOn >= t.renewalFrom && renewalOn <= t.renewalTo) return t.reviewOn;
  }
  return renewalOn;
}

/** Day `graceDays` after issue: unpaid then → at risk and downgraded (R-GRACE). */
export function feeDeadline(issuedOn: IsoDate, lifecycle: LifecycleParameters): IsoDate {
  return addDays(issuedOn, lifecycle.programFee.graceDays);
}

/**
 * VAT/GST rates on the APN fee by country (ISO 3166-1 alpha-2), as fractions. R-FEE: partners outside the United
 * States owe the tax of their country on top of the fee; nothing is deducted from it. Data, not logic: a country
 * missing here is refused at registration rather than billed a guessed rate.
 */
export const FEE_TAX_RATES: Readonly<Record<string, number>> = {
  US: 0,
  AU: 0.1,
  AT: 0.2,
  BE: 0.21,
  BR: 0,
  CA: 0.05,
  CH: 0.081,
  DE: 0.19,
  DK: 0.25,
  ES: 0.21,
  FI: 0.255,
  FR: 0.2,
  GB: 0.2,
  IE: 0.23,
  IN: 0.18,
  IT: 0.22,
  JP: 0.1,
  KR: 0.1,
  MX: 0.16,
  NL: 0.21,
  NO: 0.25,
  NZ: 0.15,
  PL: 0.23,
  PT: 0.23,
  SE: 0.25,
  SG: 0.09,
  ZA: 0.15,
};

export interface FeeAmounts {
  fee: number;
  tax: number;
  taxRate: number;
  total: number;
}

/** The program fee with the partner's country tax on top, in USD cents-exact arithmetic. */
export function feeAmounts(country: string, lifecycle: LifecycleParameters): FeeAmounts {
  const rate = FEE_TAX_RATES[country.toUpperCase()];
  if (rate === undefined) throw new RangeError(`no VAT/GST rate is known for country '${country}'`);
  const feeCents = Math.round(lifecycle.programFee.amountUsd * 100);
  const taxCents = Math.round(feeCents * rate);
  return { fee: feeCents / 100, tax: taxCents / 100, taxRate: rate, total: (feeCents + taxCents) / 100 };
}
