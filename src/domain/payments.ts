/**
 * Paying the program fee (R-PAID, 000; R-ADVANCE-PAY, 003): payment methods, which of them a payer may use, the
 * payment states, and money as integer cents. Pure data and arithmetic: no I/O, no clock.
 */

/** Methods a payer account chooses on "Complete a payment" (000). */
export const PAYER_PAYMENT_METHODS = ['card', 'bank-account', 'sepa-direct-debit', 'india-net-banking'] as const;
export type PayerPaymentMethod = (typeof PAYER_PAYMENT_METHODS)[number];

/**
 * Every method a payment record can carry: the payer's own, `advance-pay` (the engine paid from the payer's
 * prepaid balance) and `offline` (a Partner Manager recorded a payment made outside the engine).
 */
export const PAYMENT_METHODS = [...PAYER_PAYMENT_METHODS, 'advance-pay', 'offline'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * Decision (000 is silent on which methods a payer has): a payer with no configured list may pay by card or US bank
 * account; program admins configure another list per payer account (e.g. SEPA direct debit for an EU payer).
 */
export const DEFAULT_ELIGIBLE_METHODS: readonly PayerPaymentMethod[] = ['card', 'bank-account'];

/** pending → succeeded | failed: "after your bank processes your payment" (000). */
export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

/** The methods `payerAccountId` may pay with: its configured list, else the default. */
export function eligibleMethods(configured: readonly PayerPaymentMethod[] | undefined): readonly PayerPaymentMethod[] {
  return configured && configured.length > 0 ? configured : DEFAULT_ELIGIBLE_METHODS;
}

/**
 * Why a payer cannot pay with `method`, or undefined when it can. `advance-pay` and `offline` are never chosen by a
 * payer: the engine applies the first, a Partner Manager records the second.
 */
export function methodRefusal(method: string, eligible: readonly PayerPaymentMethod[]): string | undefined {
  if ((eligible as readonly string[]).includes(method)) return undefined;
  return `payment method '${method}' is not eligible for this payer; eligible: ${eligible.join(', ')}`;
}

/** USD (at most 2 decimals) as integer cents. */
export function toCents(usd: number): number {
  return Math.round(usd * 100);
}

/** Integer cents as USD. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** What an invoice asks the payer for, in cents: fee plus tax. */
export function invoiceTotalCents(invoice: { amount: number; vatAmount: number }): number {
  return toCents(invoice.amount) + toCents(invoice.vatAmount);
}

/**
 * R-ADVANCE-PAY when funds arrive: the open invoices a balance pays, oldest first, each only when what is left covers
 * it whole (an invoice too large is skipped, a later smaller one may still be paid). Returns the chosen ids in order.
 */
export function invoicesCovered(
  balanceCents: number,
  open: readonly { invoiceId: string; totalCents: number; issuedOn: string }[],
): string[] {
  const chosen: string[] = [];
  let left = balanceCents;
  const oldestFirst = [...open].sort((a, b) =>
    a.issuedOn < b.issuedOn ? -1 : a.issuedOn > b.issuedOn ? 1 : a.invoiceId < b.invoiceId ? -1 : 1,
  );
  for (const invoice of oldestFirst) {
    if (invoice.totalCents <= left) {
      chosen.push(invoice.invoiceId);
      left -= invoice.totalCents;
    }
  }
  return chosen;
}
