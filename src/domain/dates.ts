/**
 * Pure calendar helpers over ISO `YYYY-MM-DD` strings (UTC calendar days). No clock is ever read:
 * every function takes the dates it works on. ISO dates compare correctly as strings.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** An ISO calendar date `YYYY-MM-DD`. */
export type IsoDate = string;
/** An ISO calendar month `YYYY-MM`. */
export type IsoMonth = string;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in a month (`month` 1–12). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function format(year: number, month: number, day: number): IsoDate {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** True when `s` is a real calendar day written `YYYY-MM-DD` (2019-02-29 is not). */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** True when `s` is a real calendar month written `YYYY-MM`. */
export function isIsoMonth(s: string): boolean {
  const m = ISO_MONTH.exec(s);
  if (!m) return false;
  const month = Number(m[2]);
  return Number(m[1]) >= 1 && month >= 1 && month <= 12;
}

function parts(date: IsoDate): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (!m || !isIsoDate(date)) throw new RangeError(`not an ISO calendar date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function toEpochDay(date: IsoDate): number {
  const [y, m, d] = parts(date);
  return Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

function fromEpochDay(day: number): IsoDate {
  const dt = new Date(day * MS_PER_DAY);
  return format(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
}

/** `date` plus `days` (negative to go back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/**
 * `date` plus `months` calendar months; a day that does not exist in the target month becomes that
 * month's last day (2020-02-29 minus 12 months is 2019-02-28, R-WINDOW).
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return format(year, month, Math.min(d, daysInMonth(year, month)));
}

/** The later of two dates. */
export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

/** The earlier of two dates, ignoring absent ones. */
export function minDate(a: IsoDate | undefined, b: IsoDate | undefined): IsoDate | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a <= b ? a : b;
}

/** The month `YYYY-MM` a date falls in. */
export function monthOf(date: IsoDate): IsoMonth {
  return date.slice(0, 7);
}

/** `month` plus `months` calendar months. */
export function addMonthsToMonth(month: IsoMonth, months: number): IsoMonth {
  return monthOf(addMonths(`${month}-01`, months));
}

/** The first day of a month. */
export function firstDayOf(month: IsoMonth): IsoDate {
  return `${month}-01`;
}

/**
 * R-WINDOW: an item dated `itemDate` counts on `at` when `at − months < itemDate ≤ at`.
 */
export function inRollingWindow(itemDate: IsoDate, at: IsoDate, months: number): boolean {
  return itemDate <= at && itemDate > addMonths(at, -months);
}

/**
 * R-WINDOW: the first evaluation date on which an item dated `itemDate` no longer counts — the
 * smallest `e` with `e − months ≥ itemDate`. Usually `itemDate + months`; one or more days later
 * when month-end clamping would otherwise end it early (2020-02-29 + 12 months leaves on 2021-03-01).
 */
export function rollingWindowLeavesOn(itemDate: IsoDate, months: number): IsoDate {
  let candidate = addMonths(itemDate, months);
  while (addMonths(candidate, -months) < itemDate) candidate = addDays(candidate, 1);
  return candidate;
}
