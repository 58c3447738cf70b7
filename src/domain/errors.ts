/**
 * The engine's one error vocabulary. Every refusal any layer raises — a workflow's update validator, an activity's
 * non-retryable failure, the store, an evidence operation — names one of these types, and the API maps each to its
 * problem type in one table (`PROBLEM_OF_ERROR` in src/api/problem.ts), typed so a new type without a mapping does not
 * compile. Zod-free and Temporal-free: workflow code imports it.
 *
 * The values are wire strings (`ApplicationFailure.type`, kept in recorded workflow histories): never rename one.
 */
export const ErrorType = {
  // Workflow refusals (update validators and handlers).
  /** The command itself is malformed. */
  InvalidCommand: 'InvalidCommand',
  /** The partner's or application's current state forbids the command. */
  WrongState: 'WrongState',
  /** What the command names does not exist (also the store's missing row). */
  NotFound: 'NotFound',
  /** The command's work failed part-way for a business reason: an incident is open for an operator. */
  Incident: 'Incident',

  // Activity refusals (non-retryable failures).
  PartnerNotFound: 'PartnerNotFound',
  /** Stored evidence no longer validates against the schemas. */
  InvalidEvidence: 'InvalidEvidence',
  NoFeeAccount: 'NoFeeAccount',
  InvoiceNotOpen: 'InvoiceNotOpen',
  /** A store conflict met by an activity. */
  Conflict: 'Conflict',
  /** The partner's read model (its view) was refused by the store. */
  InvalidView: 'InvalidView',

  // Store errors (src/store/errors.ts).
  /** The write contradicts what the store holds. */
  StoreConflict: 'StoreConflict',
  /** The input breaks a constraint of the schema. */
  StoreValidation: 'StoreValidation',

  // Evidence item and CSV import refusals (src/domain/evidence).
  /** The item (or CSV) itself is wrong; every issue is listed. */
  InvalidItem: 'InvalidItem',
  /** No item (or individual) with that key. */
  ItemNotFound: 'ItemNotFound',
  /** An item with that key exists. */
  DuplicateItem: 'DuplicateItem',
  /** The item is fine alone but the document it would make is not (a cross-item rule). */
  DocumentConflict: 'DocumentConflict',
} as const;

export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** The types a workflow refusal carries (`ApplicationFailure.type` of update validators and handlers). */
export const LifecycleErrorType = {
  InvalidCommand: ErrorType.InvalidCommand,
  WrongState: ErrorType.WrongState,
  NotFound: ErrorType.NotFound,
  Incident: ErrorType.Incident,
} as const;
export type LifecycleErrorType = (typeof LifecycleErrorType)[keyof typeof LifecycleErrorType];

/** The types of an activity's non-retryable failures. */
export const ActivityErrorType = {
  PartnerNotFound: ErrorType.PartnerNotFound,
  InvalidEvidence: ErrorType.InvalidEvidence,
  NoFeeAccount: ErrorType.NoFeeAccount,
  InvoiceNotOpen: ErrorType.InvoiceNotOpen,
  Conflict: ErrorType.Conflict,
  InvalidView: ErrorType.InvalidView,
} as const;
export type ActivityErrorType = (typeof ActivityErrorType)[keyof typeof ActivityErrorType];

/** The reasons an evidence operation refuses. */
export type EvidenceRefusalType =
  | typeof ErrorType.InvalidItem
  | typeof ErrorType.ItemNotFound
  | typeof ErrorType.DuplicateItem
  | typeof ErrorType.DocumentConflict;

/** True when `value` is one of the vocabulary's types (an `ApplicationFailure.type` read off the wire). */
export function isErrorType(value: unknown): value is ErrorType {
  return typeof value === 'string' && (Object.values(ErrorType) as string[]).includes(value);
}

/** An error a layer raises on purpose, named by its type; anything else is unexpected. */
export class EngineError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = this.constructor.name;
  }
}
