/**
 * Named store errors. Activities turn `StoreConflictError`, `NotFoundError` and `StoreValidationError` into
 * non-retryable `ApplicationFailure`s (`error.type` is the failure type); anything else is an infrastructure fault
 * worth retrying.
 */
import { EngineError, ErrorType } from '../domain/errors';

/** Base class of every error the store throws on purpose; `type` is of the engine's one vocabulary. */
export class StoreError extends EngineError {}

/** The write contradicts what the store already holds (same id, different data; state forbids it). */
export class StoreConflictError extends StoreError {
  constructor(
    /** What conflicted, e.g. `partner-exists`, `application-open`, `invoice-voided`. */
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(ErrorType.StoreConflict, message, options);
  }
}

/** The entity the operation names does not exist. */
export class NotFoundError extends StoreError {
  constructor(
    readonly entity: string,
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorType.NotFound, `${entity} ${id} not found`, options);
  }
}

/** The input breaks a constraint of the schema (bad date, unknown enum value, malformed account id…). */
export class StoreValidationError extends StoreError {
  constructor(
    message: string,
    readonly constraint?: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorType.StoreValidation, message, options);
  }
}

interface PgErrorLike {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  detail?: unknown;
}

/** The PostgreSQL error under a driver/drizzle wrapper, found by shape (PGlite errors come from another realm). */
export function pgErrorOf(error: unknown): PgErrorLike | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as PgErrorLike & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** SQLSTATE of a PostgreSQL error, if `error` is (or wraps) one. */
export function sqlState(error: unknown): string | undefined {
  const code = pgErrorOf(error)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps constraint violations to named store errors; everything else is rethrown untouched. */
export function translateDbError(error: unknown): never {
  if (error instanceof StoreError) throw error;
  const pg = pgErrorOf(error);
  const constraint = typeof pg?.constraint === 'string' ? pg.constraint : undefined;
  const message = typeof pg?.message === 'string' ? pg.message : String(error);
  switch (pg?.code) {
    case '23514': // check_violation
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
    case '22P02': // invalid_text_representation
    case '22003': // numeric_value_out_of_range
    case '23502': // not_null_violation
      throw new StoreValidationError(message, constraint, { cause: error });
    case '23505': // unique_violation
      throw new StoreConflictError(constraint ?? 'unique', message, { constraint }, { cause: error });
    case '23503': // foreign_key_violation
      throw new NotFoundError('referenced row', constraint ?? 'unknown', { cause: error });
    default:
      throw error;
  }
}
