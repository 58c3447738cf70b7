/** R-EBR: Executive Business Review windows, computed from the catalog's window calendar. */
import { currentEdition } from './catalog';
import type { EbrCalendar } from './catalog/types';
import { addDays, isIsoDate, type IsoDate } from './dates';

export interface EbrWindow {
  /** The quarter whose close opens the window: `2019-Q3`. */
  id: string;
  opensOn: IsoDate;
  /** Last day of the window (inclusive). */
  closesOn: IsoDate;
}

const WINDOW_ID = /^(\d{4})-Q([1-4])$/;

function quarterIndex(year: number, quarter: number): number {
  return year * 4 + (quarter - 1);
}

function windowAt(index: number, calendar: EbrCalendar): EbrWindow {
  const year = Math.floor(index / 4);
  const quarter = index - year * 4 + 1;
  const rule = calendar.quarters?.[`Q${quarter}` as 'Q1' | 'Q2' | 'Q3' | 'Q4'] ?? calendar.default;
  const nextYear = quarter === 4 ? year + 1 : year;
  const nextMonth = quarter === 4 ? 1 : quarter * 3 + 1;
  const nextQuarterStart = `${String(nextYear).padStart(4, '0')}-${String(nextMonth).padStart(2, '0')}-01`;
  const opensOn = addDays(nextQuarterStart, rule.opensDaysAfterQuarterClose);
  return { id: `${year}-Q${quarter}`, opensOn, closesOn: addDays(opensOn, rule.lengthDays - 1) };
}

function parseWindowId(id: string): number {
  const m = WINDOW_ID.exec(id);
  if (!m) throw new RangeError(`not an EBR window id (YYYY-Qn): ${id}`);
  return quarterIndex(Number(m[1]), Number(m[2]));
}

/** The window of a quarter (`2019-Q3`). */
export function ebrWindow(id: string, calendar: EbrCalendar = currentEdition.lifecycle.ebrCalendar): EbrWindow {
  return windowAt(parseWindowId(id), calendar);
}

/**
 * The earliest EBR window not yet ended on `date` (it may already be open): the window R-PREMIER
 * schedules a review in once sustained attainment and the readiness pre-assessment both hold.
 */
export function ebrWindowFor(date: IsoDate, calendar: EbrCalendar = currentEdition.lifecycle.ebrCalendar): EbrWindow {
  if (!isIsoDate(date)) throw new RangeError(`not a real date YYYY-MM-DD: ${date}`);
  const year = Number(date.slice(0, 4));
  const quarter = Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1;
  // Windows follow their quarter's close; a calendar whose windows end within a year of it needs no earlier start.
  for (let index = quarterIndex(year, quarter) - 4; ; index++) {
    const w = windowAt(index, calendar);
    if (w.closesOn >= date) return w;
  }
}

/** The window after `windowId` (a deferred or unanswered EBR moves there). */
export function nextEbrWindow(
  windowId: string,
  calendar: EbrCalendar = currentEdition.lifecycle.ebrCalendar,
): EbrWindow {
  return windowAt(parseWindowId(windowId) + 1, calendar);
}
