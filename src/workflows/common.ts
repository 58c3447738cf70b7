/**
 * What the workflows share: the workflow ids (./ids), the one activity-options block, and how a refusal is thrown.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TemporalFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { createActivities } from '../activities';
import type { ResellerActivities } from '../activities/reseller';
import type { Refusal } from '../domain/membership';
import type { ErrorType } from '../domain/errors';

export { applicationWorkflowId, partnerWorkflowId } from './ids';

/**
 * Attempts of a partner workflow's activity before it gives up: with the backoff below, about 13 minutes of
 * retryable failures (store or network down). Then the step becomes an incident an operator can see and retry,
 * instead of retrying in silence for ever.
 */
export const ACTIVITY_MAX_ATTEMPTS = 10;

const options = {
  // Activities are short store calls: a dead worker's attempt is retried within seconds, not after a minute.
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2 },
} as const;

/** The partner workflow's activities: every call is guarded, so a call that gave up opens an incident. */
export const activities = proxyActivities<ReturnType<typeof createActivities>>({
  ...options,
  retry: { ...options.retry, maximumAttempts: ACTIVITY_MAX_ATTEMPTS },
});

/**
 * The partner workflow's store calls run as local activities, each since its patch: those on a monthly check's path
 * (the evaluation, the journal, the status, the read model) since `local-store-calls`; the application's row since
 * `local-record-application`, so an application is answered in the workflow task that accepted it instead of after
 * an activity task's round trip (issue #14: under 200 clients' load that round trip went past the API's deadline).
 */
const LOCAL_SINCE = {
  evaluatePartner: 'local-store-calls',
  appendJournal: 'local-store-calls',
  syncPartnerStatus: 'local-store-calls',
  savePartnerView: 'local-store-calls',
  recordApplication: 'local-record-application',
} as const;
export type StoreCalls = Pick<typeof activities, keyof typeof LOCAL_SINCE>;

/** Whether the partner workflow's activity `name` is one of the store calls that may run locally. */
export function isStoreCall(name: string): name is keyof StoreCalls {
  return Object.hasOwn(LOCAL_SINCE, name);
}

/**
 * Every backoff of a store call is a workflow timer (`localRetryThreshold` below the first 2 s interval), not a
 * sleep inside the worker: a retry survives a worker restart, and a business clock that skips time (the
 * time-skipping server under `apn simulate`) skips the backoff with it. Slept in the worker (the SDK's 1 min
 * default), the first five backoffs took a minute of real time while the simulation's clock ran on, so the tenth
 * failure could land a business day late (the incidents test's date flake). Histories recorded before replay
 * as they were: a local activity's result is its marker, however its attempts were spaced.
 */
const local = proxyLocalActivities<StoreCalls>({
  ...options,
  localRetryThreshold: '1 second',
  retry: { ...options.retry, maximumAttempts: ACTIVITY_MAX_ATTEMPTS },
});

/**
 * A local activity that gave up rejects with its last error itself (the SDK core adds no ActivityFailure around it):
 * wrapped here as a scheduled activity's failure is, so the partner shell hands the machine the same failed outcome
 * (an incident, a journal kept pending). It gives up
 * on a non-retryable error, or once its attempts are spent (it has no schedule-to-close timeout).
 */
function asActivityFailure(activityType: string, error: unknown): unknown {
  if (error instanceof ActivityFailure || !(error instanceof TemporalFailure)) return error;
  const nonRetryable = error instanceof ApplicationFailure && error.nonRetryable;
  const retryState = nonRetryable ? RetryState.NON_RETRYABLE_FAILURE : RetryState.MAXIMUM_ATTEMPTS_REACHED;
  return new ActivityFailure('Activity task failed', activityType, undefined, retryState, undefined, error);
}

function localCall<K extends keyof StoreCalls>(name: K): StoreCalls[K] {
  const call = local[name] as (...args: unknown[]) => Promise<unknown>;
  return (async (...args: unknown[]) => {
    try {
      return await call(...args);
    } catch (error) {
      throw asActivityFailure(name, error);
    }
  }) as StoreCalls[K];
}

/**
 * The same calls as local activities, run by the worker inside the workflow task (issue #14: the monthly sweep of a
 * whole program): a monthly check is one workflow task instead of one per call. Same timeout, backoff and attempts as
 * `activities` (a backoff beyond a minute waits on a timer); a call that gives up still opens an incident.
 */
const localStoreCalls: StoreCalls = {
  evaluatePartner: localCall('evaluatePartner'),
  appendJournal: localCall('appendJournal'),
  syncPartnerStatus: localCall('syncPartnerStatus'),
  savePartnerView: localCall('savePartnerView'),
  recordApplication: localCall('recordApplication'),
};

/**
 * The proxy for the partner workflow's store call `name`: local once its patch (LOCAL_SINCE) is in the history;
 * histories that scheduled it as an activity before the patch keep replaying with it. Asked by the shell right
 * before each call (how an effect is performed, never what the machine decides), so the patch marker lands at the
 * same point on every replay.
 */
export function storeCallOf<K extends keyof StoreCalls>(name: K): StoreCalls[K] {
  return patched(LOCAL_SINCE[name]) ? localStoreCalls[name] : activities[name];
}

/**
 * The activities of application workflows started before application incidents (patch `application-incidents`):
 * they retry until they pass, since giving up would fail the application. Newer applications use the bounded
 * `activities` above and turn a failure into an incident on their partner.
 */
export const applicationActivities = proxyActivities<ReturnType<typeof createActivities>>(options);

/**
 * The reseller workflows' activities: idempotent store writes and outbox inserts, retried until the store answers (a
 * give-up would skip a month or leave an accepted answer half-recorded); business refusals are non-retryable.
 */
export const resellerActivities = proxyActivities<ResellerActivities>(options);

/** Refuses a command or an Update (any workflow's): a non-retryable failure whose type the API maps to a status. */
export function refuse(type: ErrorType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Throws the refusal a domain check returned, if any (Update validators and the commands themselves). */
export function enforce(refusal: Refusal | undefined): void {
  if (refusal) refuse(refusal.type, refusal.message);
}
