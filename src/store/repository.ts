/** What every repository shares: error translation, canonical JSON, jsonb parameters, money checks. */
import { sql, type SQL } from 'drizzle-orm';
import { StoreValidationError, translateDbError } from './errors';

/** Runs `fn`, turning constraint violations into named store errors. */
export async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    translateDbError(error);
  }
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export const jsonb = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;

export function assertMoney(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || Math.round(value * 100) !== Number((value * 100).toFixed(6))) {
    throw new StoreValidationError(`${name} must be a non-negative amount with at most 2 decimals (got ${value})`);
  }
}
