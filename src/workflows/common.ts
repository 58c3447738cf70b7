/**
 * What the workflows share: the workflow ids (./ids), the one activity-options block, and how a refusal is thrown.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
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
