/** Small pure formatters for gap sentences. */

/** Dollars to integer cents (money carries at most 2 decimals, so this is exact). */
export function toCents(usd: number): number {
  return Math.round(usd * 100);
}

/** Integer cents back to dollars. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** `$3,200` or `$3,200.50`. */
export function formatUsd(cents: number): string {
  const whole = Math.floor(Math.abs(cents) / 100);
  const rest = Math.abs(cents) % 100;
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? '-' : ''}$${grouped}${rest === 0 ? '' : `.${String(rest).padStart(2, '0')}`}`;
}

/** `1 individual`, `2 individuals`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** `a, b and c`. */
export function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`;
}
