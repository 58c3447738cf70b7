/**
 * Reseller billing (R-RESELLER, source 002): the rules of a partner's consolidated billing, pure and zod-free so the
 * workflows import them. The terms are data (`RESELLER_BILLING_TERMS`); money is integer cents throughout.
 */

/** The terms every reseller organization follows; change them here, not in the code that reads them. */
export const RESELLER_BILLING_TERMS = {
  /** R-RESELLER: an AWS Organizations invitation is answerable for 15 days, then it expires. */
  invitationTtlDays: 15,
  /**
   * Decision: AWS issues the consolidated bill of month M on this day of month M+1 (the month's usage is complete
   * once it has ended).
   */
  billIssueDay: 1,
  /** What a member account of a reseller organization reads in its billing console (002, "Confirm"). */
  resellerBillingLabel: 'Reseller Billing by Partner (Consolidated Billing)',
  /** Decision: the label of a member of an organization that is not a reseller's, and of a standalone account. */
  consolidatedBillingLabel: 'Consolidated Billing (AWS Organizations)',
  standaloneBillingLabel: 'Billed by AWS',
} as const;

/** `YYYY-MM`. */
export type IsoMonth = string;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isIsoMonth(value: unknown): value is IsoMonth {
  return typeof value === 'string' && MONTH.test(value);
}

/** The month a `YYYY-MM-DD` date falls in. */
export function monthOf(date: string): IsoMonth {
  return date.slice(0, 7);
}

/** The month `n` months after `month` (n may be negative). */
export function addMonths(month: IsoMonth, n: number): IsoMonth {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`not a month YYYY-MM: ${month}`);
  const index = Number(m[1]) * 12 + (Number(m[2]) - 1) + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The business date the consolidated bill of `month` is issued (R-RESELLER monthly cycle). */
export function billIssueDateOf(month: IsoMonth): string {
  return `${addMonths(month, 1)}-${String(RESELLER_BILLING_TERMS.billIssueDay).padStart(2, '0')}`;
}

/** The date an invitation sent on `invitedOn` expires: it is answerable before that day, never on it. */
export function invitationExpiryOf(invitedOn: string): string {
  const d = new Date(`${invitedOn}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + RESELLER_BILLING_TERMS.invitationTtlDays);
  return d.toISOString().slice(0, 10);
}

/** How an account is billed, as its billing view says it. */
export function billingLabelOf(membership: { reseller: boolean } | undefined): string {
  if (!membership) return RESELLER_BILLING_TERMS.standaloneBillingLabel;
  return membership.reseller
    ? RESELLER_BILLING_TERMS.resellerBillingLabel
    : RESELLER_BILLING_TERMS.consolidatedBillingLabel;
}

export interface Weighted {
  key: string;
  weight: number;
}

/**
 * Splits `totalCents` over `items` in proportion to their weights, in whole cents, so that the parts add up to the
 * total exactly: each gets the floor of its exact share, and the cents left over go one each to the largest
 * remainders (ties: the earlier key). Weights are non-negative integers; all zero → every part is zero and the total
 * must be zero too. Exact integer arithmetic (BigInt): no float ever decides a cent.
 */
export function allocateLargestRemainder(totalCents: number, items: readonly Weighted[]): Map<string, number> {
  if (!Number.isSafeInteger(totalCents) || totalCents < 0) {
    throw new RangeError(`total must be a non-negative whole number of cents (got ${totalCents})`);
  }
  const keys = new Set<string>();
  for (const item of items) {
    if (!Number.isSafeInteger(item.weight) || item.weight < 0) {
      throw new RangeError(`weight of ${item.key} must be a non-negative whole number (got ${item.weight})`);
    }
    if (keys.has(item.key)) throw new RangeError(`key ${item.key} appears twice`);
    keys.add(item.key);
  }
  const sum = items.reduce((s, i) => s + BigInt(i.weight), 0n);
  const parts = new Map<string, number>(items.map((i) => [i.key, 0]));
  if (sum === 0n) {
    if (totalCents !== 0) throw new RangeError('a non-zero total cannot be split over zero weights');
    return parts;
  }
  const total = BigInt(totalCents);
  const shares = items.map((i) => {
    const exact = total * BigInt(i.weight);
    return { key: i.key, floor: exact / sum, remainder: exact % sum };
  });
  let left = total - shares.reduce((s, x) => s + x.floor, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.remainder > b.remainder ? -1 : 1,
  );
  for (const share of byRemainder) {
    if (left === 0n) break;
    share.floor += 1n;
    left -= 1n;
  }
  for (const share of shares) parts.set(share.key, Number(share.floor));
  return parts;
}

export interface UsageLine {
  accountId: string;
  usageCents: number;
}

export interface ConsolidatedBillLine extends UsageLine {
  /** The account's share of the partner's bill: what the partner invoices it (its own account: kept, not invoiced). */
  shareCents: number;
}

export interface ConsolidatedBill {
  month: IsoMonth;
  usageCents: number;
  /** The reseller's discount on the organization's usage (basis points of it, rounded half up). */
  discountCents: number;
  /** What AWS bills the partner's management account: usage less discount. */
  totalCents: number;
  lines: ConsolidatedBillLine[];
}

/**
 * R-RESELLER: the month's usage of every member account makes one bill to the partner's management account; the
 * partner's discount (`discountBasisPoints` of the usage, 0–10000) is passed on to its customers in proportion to their
 * usage, so the shares add up exactly to the bill.
 */
export function consolidatedBill(input: {
  month: IsoMonth;
  discountBasisPoints: number;
  usage: readonly UsageLine[];
}): ConsolidatedBill {
  const bps = input.discountBasisPoints;
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) {
    throw new RangeError(`discount must be 0–10000 basis points (got ${bps})`);
  }
  const lines = [...input.usage].sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  const usageCents = lines.reduce((s, l) => s + l.usageCents, 0);
  if (!Number.isSafeInteger(usageCents)) throw new RangeError('usage total is too large');
  const discountCents = Number((BigInt(usageCents) * BigInt(bps) + 5_000n) / 10_000n);
  const totalCents = usageCents - discountCents;
  const shares = allocateLargestRemainder(
    totalCents,
    lines.map((l) => ({ key: l.accountId, weight: l.usageCents })),
  );
  return {
    month: input.month,
    usageCents,
    discountCents,
    totalCents,
    lines: lines.map((l) => ({ ...l, shareCents: shares.get(l.accountId) ?? 0 })),
  };
}

/** USD with at most 2 decimals (the API's money) as integer cents. */
export function toCents(usd: number): number {
  return Math.round(usd * 100);
}

/** Integer cents as USD (the API's money). */
export function toUsd(cents: number): number {
  return cents / 100;
}
