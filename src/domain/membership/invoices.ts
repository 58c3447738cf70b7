/**
 * Open fee invoices as a list (R-FEE, R-GRACE, R-PAID): every open invoice keeps its own grace clock, reminders,
 * day-90 case and extension; a payment names its invoice or settles the oldest open invoice whose total it equals.
 */
import type { InvoiceState, LifecycleState, PaymentCommand, PaymentMethod } from './types';

/** Every open invoice, oldest first (also of state carried over from before invoices were a list). */
export function openInvoices(state: LifecycleState): InvoiceState[] {
  return state.invoices ?? (state.invoice ? [state.invoice] : []);
}

/** The oldest open invoice (shown as `invoice` in the status, as before invoices were a list). */
export function oldestInvoice(state: LifecycleState): InvoiceState | undefined {
  return openInvoices(state)[0];
}

/**
 * Moves state carried over from an earlier version into this version's shape (pure, no commands: safe on replay):
 * the single open invoice becomes the list's one entry.
 */
export function migrateState(state: LifecycleState): LifecycleState {
  if (!state.invoices) {
    state.invoices = state.invoice ? [state.invoice] : [];
  }
  delete state.invoice;
  return state;
}

const sameAmount = (a: number, b: number): boolean => Math.round(a * 100) === Math.round(b * 100);

/** The invoice a payment settles: the one it names, else the oldest open one whose total the amount equals. */
export function paymentTarget(state: LifecycleState, cmd: PaymentCommand): InvoiceState | undefined {
  const open = openInvoices(state);
  if (cmd?.invoiceId !== undefined) return open.find((i) => i.id === cmd.invoiceId);
  return open.find((i) => typeof cmd?.amount === 'number' && sameAmount(cmd.amount, i.total)) ?? open[0];
}

/** Whether `amount` pays `invoice` exactly. */
export function paysInFull(invoice: InvoiceState, amount: unknown): boolean {
  return typeof amount === 'number' && sameAmount(amount, invoice.total);
}

/** The invoice an extension moves: the one it names, else the oldest open one. */
export function extensionTarget(state: LifecycleState, invoiceId: string | undefined): InvoiceState | undefined {
  const open = openInvoices(state);
  return invoiceId === undefined ? open[0] : open.find((i) => i.id === invoiceId);
}

/** Whether an unpaid invoice past its deadline is still open (the partner stays at risk for it, R-GRACE). */
export function hasOverdueInvoice(state: LifecycleState): boolean {
  return openInvoices(state).some((i) => !!i.overdueSince);
}

/**
 * The `fee-paid` journal entry (CONTRACT §3): `method` says how the fee was paid — from the Advance Pay balance or by
 * a payment someone recorded — and `paymentMethod`/`reference` carry the payment's own method and reference.
 */
export function feePaidEntry(
  invoice: InvoiceState,
  via: 'payment' | 'advance-pay',
  payment: { method?: PaymentMethod; reference?: string } = {},
): Record<string, unknown> {
  return {
    invoiceId: invoice.id,
    total: invoice.total,
    via,
    method: via === 'advance-pay' ? 'advance-pay' : 'recorded-payment',
    ...(payment.method ? { paymentMethod: payment.method } : {}),
    ...(payment.reference ? { reference: payment.reference } : {}),
  };
}

/** How a payment command reaches its invoice: Advance Pay applied when funds arrived (R-ADVANCE-PAY), or paid. */
export function paymentVia(cmd: PaymentCommand): 'payment' | 'advance-pay' {
  return cmd.method === 'advance-pay' ? 'advance-pay' : 'payment';
}
