/**
 * RFC 9457 problem details: every error the API answers is `application/problem+json`. Handlers throw
 * `ProblemError`s; `problemHandler` turns those and the errors of zod, body parsing, the store and Temporal into the
 * right status, so a client's mistake is never a 500 and no answer carries a stack trace.
 */
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { EngineError, isErrorType, type ErrorType } from '../domain/errors';
import { toIssues, type ValidationIssue } from '../domain/evidence';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem kinds this API answers with; `type` is `urn:apn:problem:<kind>`. */
export const PROBLEM_KINDS = {
  'invalid-request': { status: 400, title: 'The request is invalid' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'You may not do this' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The current state forbids this' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was used for a different request' },
  unprocessable: { status: 422, title: 'The request cannot be applied' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'A dependency is unavailable' },
} as const;

export type ProblemKind = keyof typeof PROBLEM_KINDS;

/**
 * The one table from the engine's error vocabulary (src/domain/errors.ts) to the problem the caller hears. Typed over
 * every `ErrorType`: a new type without its problem does not compile.
 */
export const PROBLEM_OF_ERROR: { readonly [T in ErrorType]: ProblemKind } = {
  // Workflow refusals
  InvalidCommand: 'unprocessable',
  WrongState: 'conflict',
  NotFound: 'not-found',
  Incident: 'conflict',
  // Activity refusals reach a caller only inside a workflow's refusal: the current state forbids the command.
  PartnerNotFound: 'conflict',
  InvalidEvidence: 'internal',
  NoFeeAccount: 'conflict',
  InvoiceNotOpen: 'conflict',
  Conflict: 'conflict',
  InvalidView: 'internal',
  // Store errors
  StoreConflict: 'conflict',
  StoreValidation: 'invalid-request',
  // Evidence items and CSV imports
  InvalidItem: 'invalid-request',
  ItemNotFound: 'not-found',
  DuplicateItem: 'conflict',
  DocumentConflict: 'conflict',
};

export const ProblemSchema = z
  .object({
    type: z.string().meta({ example: 'urn:apn:problem:invalid-request' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Every validation issue, with the path of the offending field.' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

export type Problem = z.infer<typeof ProblemSchema>;

export class ProblemError extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly errors?: ValidationIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  get status(): number {
    return PROBLEM_KINDS[this.kind].status;
  }

  /** The problem of a refusal of the engine's vocabulary (see `PROBLEM_OF_ERROR`). */
  static of(type: ErrorType, detail: string, errors?: ValidationIssue[]): ProblemError {
    return new ProblemError(PROBLEM_OF_ERROR[type], detail, errors);
  }
  static invalid(detail: string, errors?: ValidationIssue[]): ProblemError {
    return new ProblemError('invalid-request', detail, errors);
  }
  static notFound(detail: string): ProblemError {
    return new ProblemError('not-found', detail);
  }
  static conflict(detail: string): ProblemError {
    return new ProblemError('conflict', detail);
  }
  static forbidden(detail: string): ProblemError {
    return new ProblemError('forbidden', detail);
  }
  static unavailable(detail: string): ProblemError {
    return new ProblemError('unavailable', detail, undefined, { 'Retry-After': '5' });
  }
}

export function problemBody(kind: ProblemKind, detail: string, instance?: string, errors?: ValidationIssue[]): Problem {
  return {
    type: `urn:apn:problem:${kind}`,
    title: PROBLEM_KINDS[kind].title,
    status: PROBLEM_KINDS[kind].status,
    detail,
    ...(instance ? { instance } : {}),
    ...(errors && errors.length > 0 ? { errors: errors.map((e) => ({ path: e.path, message: e.message })) } : {}),
  };
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  limit?: unknown;
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
/** The API never cancels a Temporal call itself: a cancelled one is its deadline passing between retries. */
const GRPC_CANCELLED = 1;

/** Temporal's gRPC status code under a client error, if any. */
function grpcCode(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A workflow refusal (update validator or handler) as the problem it means for the caller; unknown types: 409. */
export function problemFromFailure(failure: ApplicationFailure): ProblemError {
  return isErrorType(failure.type)
    ? ProblemError.of(failure.type, failure.message)
    : new ProblemError('conflict', failure.message);
}

/** Translates known error types; `undefined` means "unexpected". */
export function toProblemError(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (error instanceof z.ZodError) return ProblemError.invalid('The request is invalid', toIssues(error));
  const parser = error as BodyParserError;
  if (typeof parser?.type === 'string' && typeof parser.status === 'number') {
    switch (parser.type) {
      case 'entity.too.large':
        return new ProblemError('payload-too-large', `The body exceeds the limit of ${String(parser.limit)} bytes`);
      case 'entity.parse.failed':
        return ProblemError.invalid('The body is not valid JSON');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new ProblemError('unsupported-media-type', 'The body encoding or charset is not supported');
      case 'request.aborted':
        return ProblemError.invalid('The request was aborted by the client');
      default:
        if (parser.status >= 400 && parser.status < 500) return ProblemError.invalid('The body could not be read');
    }
  }
  if (error instanceof EngineError) return ProblemError.of(error.type, error.message);
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    return problemFromFailure(error.cause);
  }
  if (error instanceof ApplicationFailure) return problemFromFailure(error);
  if (error instanceof WorkflowNotFoundError) return ProblemError.notFound(`workflow ${error.workflowId} not found`);
  const code = grpcCode(error);
  if (error instanceof ServiceError || code !== undefined) {
    if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED || code === GRPC_CANCELLED) {
      return ProblemError.unavailable('Temporal did not answer in time; retry shortly');
    }
  }
  return undefined;
}

export interface ProblemHandlerOptions {
  /** Resolves true when both Temporal and the store answer: an unexpected error with one of them down is a 503. */
  dependenciesHealthy(): Promise<boolean>;
  log(error: unknown, status: number): void;
}

/**
 * A Temporal call the server refused or failed (a ServiceError: e.g. WorkflowNotReady for a query while the
 * workflow's task keeps failing), as opposed to an error of our own. A read with another answer falls back on it.
 */
export function isTemporalRefusal(error: unknown): boolean {
  return error instanceof ServiceError;
}

/** The last middleware: every error becomes a problem document. */
export function problemHandler(options: ProblemHandlerOptions): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = toProblemError(error);
    if (known) {
      if (known.status >= 500) options.log(error, known.status);
      sendProblem(res, problemBody(known.kind, known.detail, req.originalUrl, known.errors), known.headers);
      return;
    }
    void options
      .dependenciesHealthy()
      .catch(() => false)
      .then((healthy) => {
        const kind: ProblemKind = healthy ? 'internal' : 'unavailable';
        options.log(error, PROBLEM_KINDS[kind].status);
        const detail = healthy
          ? 'The server failed to answer; the error is logged with this request id'
          : 'Temporal or the store is unavailable; retry shortly';
        sendProblem(res, problemBody(kind, detail, req.originalUrl), healthy ? {} : { 'Retry-After': '5' });
      });
  };
}
