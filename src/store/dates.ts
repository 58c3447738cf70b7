/** Calendar-date helpers for caller-supplied business dates (never the database clock). */
import { StoreValidationError } from './errors';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Throws `StoreValidationError` unless `value` is a real `YYYY-MM-DD` calendar date. */
export function assertIsoDate(name: string, value: string): void {
  const m = ISO_DATE.exec(value);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!date || date.toISOString().slice(0, 10) !== value) {
    throw new StoreValidationError(`${name} must be a YYYY-MM-DD date (got ${JSON.stringify(value)})`);
  }
}

/** `date` + `days` calendar days, as `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  assertIsoDate('date', date);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
