/**
 * Membership calendar and fee arithmetic (R-FEE, R-RENEWAL): pure functions of a renewal month-day, a date and the
 * catalog's lifecycle parameters. No zod here: the lifecycle workflows import this file.
 */
import type { LifecycleParameters } from '../catalog/types';
import { addDays, daysInMonth, type IsoDate } from '../dates';

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

/** Why a renewal date gets no compliance review under this edition (R-RENEWAL), or undefined when it gets one. */
export function renewalWithoutReview(renewalOn: IsoDate, lifecycle: LifecycleParameters): string | undefined {
  return (lifecycle.renewal.withoutReview ?? []).find((w) => renewalOn >= w.renewalFrom && renewalOn <= w.renewalTo)
    ?.why;
}

/** Day `graceDays` after issue: unpaid then → at risk, with a fee-unpaid case for the Partner Manager (R-GRACE). */
export function feeDeadline(issuedOn: IsoDate, lifecycle: LifecycleParameters): IsoDate {
  return addDays(issuedOn, lifecycle.programFee.graceDays);
}

export interface FeeAmounts {
  /** Net: the fee itself, never reduced by tax. */
  fee: number;
  tax: number;
  /** null when no rate is configured for the country on that date: billed without tax, and `taxNote` says so. */
  taxRate: number | null;
  /** Gross. */
  total: number;
  taxNote?: string;
}

/** The VAT/GST rate configured for `country` on `on` (the latest entry in effect), or undefined (R-FEE). */
export function feeTaxRate(country: string, on: IsoDate, lifecycle: LifecycleParameters): number | undefined {
  const code = country.toUpperCase();
  return lifecycle.programFee.taxRates
    .filter((r) => r.country === code && r.effectiveFrom <= on)
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1))
    .pop()?.rate;
}

/**
 * The program fee with the partner's country tax on top (R-FEE), in USD cents-exact arithmetic. A country without a
 * configured rate is billed the fee alone, and the amounts say so: a valid country is never refused for it.
 */
export function feeAmounts(country: string, lifecycle: LifecycleParameters, on: IsoDate): FeeAmounts {
  const rate = feeTaxRate(country, on, lifecycle);
  const feeCents = Math.round(lifecycle.programFee.amountUsd * 100);
  const taxCents = Math.round(feeCents * (rate ?? 0));
  return {
    fee: feeCents / 100,
    tax: taxCents / 100,
    taxRate: rate ?? null,
    total: (feeCents + taxCents) / 100,
    ...(rate === undefined
      ? { taxNote: `no VAT/GST rate is configured for ${country.toUpperCase()} on ${on}: billed without tax` }
      : {}),
  };
}
