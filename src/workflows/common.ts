/**
 * What both lifecycle workflows share: the workflow ids (./ids), the one activity-options block, and how a refusal is thrown.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { Refusal } from '../domain/membership';
import type { LifecycleErrorType } from './types';

export { applicationWorkflowId, partnerWorkflowId } from './ids';

export const activities = proxyActivities<ReturnType<typeof createActivities>>({
  // Activities are short store calls: a dead worker's attempt is retried within seconds, not after a minute.
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/** Refuses a command or an Update: a non-retryable failure whose type the API maps to a status. */
export function refuse(type: LifecycleErrorType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Throws the refusal a domain check returned, if any (Update validators and the commands themselves). */
export function enforce(refusal: Refusal | undefined): void {
  if (refusal) refuse(refusal.type, refusal.message);
}
