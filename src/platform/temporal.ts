/** Temporal connections and namespace set-up shared by the worker, the API and `npm start`. */
import {
  Connection,
  Client,
  defaultGrpcRetryOptions,
  isRetryableError,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { APN_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { SearchAttributeType } from '@temporalio/common';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const INDEXED_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];
type GrpcCall = ReturnType<Parameters<GrpcInterceptor>[1]>;

/** A call that never reached a channel: it ends at once with CANCELLED, which no retry policy retries. */
function closedCall(details: string): GrpcCall {
  const call: GrpcCall = {
    start(_metadata: unknown, listener?: { onReceiveStatus?: (status: unknown) => void }) {
      setImmediate(() => listener?.onReceiveStatus?.({ code: 1, details, metadata: undefined }));
    },
    cancelWithStatus: () => undefined,
    getPeer: () => '',
    sendMessageWithContext: () => undefined,
    sendMessage: () => undefined,
    startRead: () => undefined,
    halfClose: () => undefined,
    getAuthContext: () => null,
  };
  return call;
}

/** The SDK's retry options: its backoff, and its decider (ten attempts, about 20 s) for a call without a deadline. */
const SDK_RETRY = defaultGrpcRetryOptions();

/**
 * Whether a failed attempt is tried again: a retryable status (UNAVAILABLE, RESOURCE_EXHAUSTED, …) while the call's
 * deadline has not passed, however many attempts that takes; a call without a deadline keeps the SDK's ten attempts.
 * The SDK's decider stops at ten attempts (about 20 s) even when the caller gave the call longer: the API gives a
 * command 45 s (COMMAND_TIMEOUT_MS), and under load the server answers an Update's attempts with `workflow update
 * was aborted` (UNAVAILABLE, meant to be retried) again and again while it reloads the workflow; the SDK's tenth
 * attempt then answered the client 503 (issue #22's load-test failure in CI) where the deadline left time to succeed.
 */
export function retryDecider(
  deadlineMs: number | undefined,
  now: () => number = Date.now,
): typeof SDK_RETRY.retryableDecider {
  if (deadlineMs === undefined) return SDK_RETRY.retryableDecider;
  return (_attempt, status) => isRetryableError(status) && now() < deadlineMs;
}

/** A gRPC call option's deadline in epoch milliseconds, when it has a finite one. */
function deadlineOf(deadline: unknown): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : typeof deadline === 'number' ? deadline : undefined;
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/**
 * The SDK's retry interceptor with its backoff, retrying up to the call's deadline (retryDecider), and safe to close
 * under. Its retries run from a timer; when the connection was closed meanwhile (a stopped engine, a finished test)
 * the retry's new call throws `Channel has been shut down` from that timer, an uncaught error in whatever runs next.
 * Here that retry ends as CANCELLED instead.
 */
export const closeSafeRetryInterceptor: GrpcInterceptor = (options, nextCall) => {
  const retrying = makeGrpcRetryInterceptor({
    delayFunction: SDK_RETRY.delayFunction,
    retryableDecider: retryDecider(deadlineOf(options.deadline)),
  });
  return retrying(options, (callOptions) => {
    try {
      return nextCall(callOptions);
    } catch (err) {
      return closedCall(`no call made: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
};

/** What every client connection of the engine and its tools is made with (see closeSafeRetryInterceptor). */
export const CONNECTION_DEFAULTS = { interceptors: [closeSafeRetryInterceptor] } satisfies Partial<ConnectionOptions>;

/** Connects, retrying while the server starts (up to `timeoutMs`). */
export async function connectWithRetry(address: string, timeoutMs = 30_000): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await Connection.connect({ ...CONNECTION_DEFAULTS, address, connectTimeout: 2_000 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export async function connectNativeWithRetry(address: string, timeoutMs = 30_000): Promise<NativeConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Registers the project's custom search attributes that the namespace lacks (idempotent). */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = APN_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPES[key.type]])),
  });
  return missing.map((key) => key.name);
}

/** Registers every project search attribute without listing first (the Java test server cannot list them). */
export async function addAllSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(APN_SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_TYPES[key.type]])),
  });
}

export function createClient(connection: Connection, namespace: string): Client {
  return new Client({ connection, namespace });
}
