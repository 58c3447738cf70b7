/**
 * One run of a partner's workflow: its state, clock and the two ways work is made safe for years — the journal
 * (the partner's timeline, written by an idempotent activity) and incidents (work that failed for good waits for an
 * operator while the calendar goes on).
 */
import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import { currentEdition } from '../../domain/catalog';
import { isBlocked, migrateState } from '../../domain/membership';
import { ACTIVITY_MAX_ATTEMPTS, storeCalls } from '../common';
import type { BusinessClock } from '../clock';
import type { Incident, IncidentStep, IsoDate, LifecycleState } from '../types';

export const lifecycle = currentEdition.lifecycle;

/** A journal entry not yet written. */
export interface PendingEntry {
  key: string;
  on: IsoDate;
  type: string;
  data: Record<string, unknown>;
}

/** What every part of the partner workflow works on during one run. */
export interface PartnerRun {
  readonly state: LifecycleState;
  readonly partnerId: string;
  readonly clock: BusinessClock;
  /** The open incidents (the state's own list). */
  readonly incidents: Incident[];
  readonly pending: PendingEntry[];
  waitingFor: string;
  /** What search attributes last showed: upserts are history events, made only on a change. */
  lastPublished: string;
  /** The status last written to the store's read model (see syncReadModel). */
  lastViewFingerprint: string;
}

/** A run over `state` (carried over, or new). */
export function newRun(state: LifecycleState, clock: BusinessClock): PartnerRun {
  migrateState(state);
  return {
    state,
    partnerId: state.partner.id,
    clock,
    incidents: (state.incidents ??= []),
    pending: [],
    waitingFor: 'starting',
    lastPublished: '',
    lastViewFingerprint: '',
  };
}

/** Adds an entry to the partner's timeline; the journal is written when the loop next drains. */
export function record(run: PartnerRun, on: IsoDate, type: string, data: Record<string, unknown> = {}): void {
  const { state, partnerId } = run;
  state.journalSeq += 1;
  run.pending.push({ key: `${partnerId}#${state.journalSeq}`, on, type, data });
}

/** Writes the pending timeline entries (idempotent on each entry's key); kept for a retry when it fails. */
export async function flushJournal(run: PartnerRun): Promise<void> {
  const { state, partnerId, clock } = run;
  if (run.pending.length === 0 || isBlocked(state, 'journal')) return;
  const entries = run.pending.splice(0, run.pending.length);
  const written = await guarded(run, 'journal', clock.today(), async () => {
    await storeCalls().appendJournal({ partnerId, entries });
  });
  // Kept for the retry: the journal is idempotent on each entry's key.
  if (!written) run.pending.unshift(...entries);
}

/** Opens an incident for work that failed for good: journaled, and the partner's stage shows needs-attention. */
export function openIncident(
  run: PartnerRun,
  step: IncidentStep,
  on: IsoDate,
  failure: ActivityFailure,
  extra: Partial<Incident> = {},
) {
  const cause = failure.cause instanceof ApplicationFailure ? failure.cause : undefined;
  return addIncident(run, {
    step,
    on,
    activity: failure.activityType,
    ...(cause?.type ? { errorType: cause.type } : {}),
    reason: cause?.message ?? failure.message,
    // A retryable failure that outlasted every attempt: the last attempt's error, and how many there were.
    ...(failure.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? { attempt: ACTIVITY_MAX_ATTEMPTS } : {}),
    ...extra,
  });
}

/** Adds an open incident (numbered, journaled, logged); the partner's stage shows needs-attention while it is open. */
export function addIncident(run: PartnerRun, fields: Omit<Incident, 'id' | 'openedOn'>): Incident {
  const { state, partnerId, clock } = run;
  state.incidentSeq = (state.incidentSeq ?? 0) + 1;
  const { step, on, ...rest } = fields;
  const incident: Incident = { id: String(state.incidentSeq), step, on, openedOn: clock.today(), ...rest };
  run.incidents.push(incident);
  log.warn('incident opened', { partnerId, ...incident });
  record(run, incident.openedOn, 'incident-opened', { ...incident });
  return incident;
}

/**
 * Runs one step; an activity that failed for good (a business refusal, or retries exhausted) opens an incident
 * instead of failing the partner's workflow. Resolves whether the step completed.
 */
export async function guarded(
  run: PartnerRun,
  step: IncidentStep,
  on: IsoDate,
  work: () => Promise<void>,
  extra: Partial<Incident> = {},
): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    openIncident(run, step, on, error, extra);
    return false;
  }
}
