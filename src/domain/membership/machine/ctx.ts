/**
 * How the machine runs work that waits on the outside, and stays pure: the work is plain synchronous code that asks
 * for each effect's outcome (`ctx.call`, `ctx.patched`); an outcome not known yet suspends it (the effect is handed to
 * the shell), and when the outcome comes back the work runs again from its starting state with every outcome so far,
 * replaying the same effects (not handed out twice) up to where it stopped. The effects come out in exactly the order
 * the code asks for them, which is the order the workflow's history records.
 */
import type { LifecycleParameters } from '../../catalog/types';
import type { Refusal } from '../checks';
import type {
  CancellationProgress,
  Incident,
  IncidentStep,
  IsoDate,
  LifecycleState,
  UnfinishedDecision,
} from '../types';
import type { AwaitedEffect, Effect, Failure, Outcome } from './types';

/** The outcome asked for is not known yet: the work stops here until it is. */
export class Suspended extends Error {
  constructor(readonly effect: AwaitedEffect) {
    super(`awaiting ${effect.kind}`);
  }
}

/** An awaited effect failed for good. */
export class Failed extends Error {
  constructor(
    readonly failure: Failure,
    /** The approved decision it interrupted, which a retry of its incident finishes. */
    readonly decision?: Omit<UnfinishedDecision, 'incidentId'>,
    /** The cancellation it interrupted, which a retry of its incident finishes. */
    readonly cancellation?: CancellationProgress,
  ) {
    super(failure.reason);
  }
}

/** The command is refused part-way (an activity's answer showed it cannot be done). */
export class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/** What the work runs with: its state (a copy, changed in place), the effects so far, the outcomes it may use. */
export class Ctx {
  readonly effects: Effect[] = [];
  /** Whether the caller was answered early (an `answer` effect). */
  answered = false;
  private next = 0;

  constructor(
    readonly s: LifecycleState,
    readonly lifecycle: LifecycleParameters,
    readonly workflowId: string,
    private readonly outcomes: readonly Outcome[],
    private readonly dates: readonly IsoDate[],
  ) {}

  get partnerId(): string {
    return this.s.partner.id;
  }

  /** Today as the work sees it at this point: the date of the last outcome it used (or of its start). */
  today(): IsoDate {
    return this.dates[this.next]!;
  }

  /** An awaited effect's value; throws Failed when it failed for good. */
  await(effect: AwaitedEffect): unknown {
    this.effects.push(effect);
    const outcome = this.outcomes[this.next];
    if (!outcome) throw new Suspended(effect);
    this.next += 1;
    if (!outcome.ok) throw new Failed(outcome.failure);
    return outcome.value;
  }

  call<T = void>(activity: string, args: Record<string, unknown>): T {
    return this.await({ kind: 'call', activity, args }) as T;
  }

  patched(name: string): boolean {
    return this.await({ kind: 'patched', name }) === true;
  }

  /** Signals an application's workflow; false when it could not be signalled (closed), which is only logged. */
  signal(workflowId: string, signal: 'withdraw' | 'resolve-step', payload: object): boolean {
    try {
      this.await({ kind: 'signal-application', workflowId, signal, payload });
      return true;
    } catch (error) {
      if (error instanceof Failed) return false;
      throw error;
    }
  }

  log(level: 'info' | 'warn', message: string, data: Record<string, unknown>): void {
    this.effects.push({ kind: 'log', level, message, data });
  }

  answer(value: unknown): void {
    this.answered = true;
    this.effects.push({ kind: 'answer', value });
  }

  /** Adds an entry to the partner's timeline (written by the shell's journal). */
  record(on: IsoDate, type: string, data: Record<string, unknown> = {}): void {
    this.s.journalSeq += 1;
    this.effects.push({ kind: 'journal', key: `${this.partnerId}#${this.s.journalSeq}`, on, type, data });
  }
}

/** Adds an open incident (numbered, journaled, logged); the partner's stage shows needs-attention while it is open. */
export function addIncident(ctx: Ctx, fields: Omit<Incident, 'id' | 'openedOn'>): Incident {
  const { s } = ctx;
  s.incidentSeq = (s.incidentSeq ?? 0) + 1;
  const { step, on, ...rest } = fields;
  const incident: Incident = { id: String(s.incidentSeq), step, on, openedOn: ctx.today(), ...rest };
  (s.incidents ??= []).push(incident);
  ctx.log('warn', 'incident opened', { partnerId: ctx.partnerId, ...incident });
  ctx.record(incident.openedOn, 'incident-opened', { ...incident });
  return incident;
}

/** Opens an incident for work that failed for good. */
export function openIncident(
  ctx: Ctx,
  step: IncidentStep,
  on: IsoDate,
  failure: Failure,
  extra: Partial<Incident> = {},
): Incident {
  return addIncident(ctx, {
    step,
    on,
    ...(failure.activity !== undefined ? { activity: failure.activity } : {}),
    ...(failure.errorType ? { errorType: failure.errorType } : {}),
    reason: failure.reason,
    ...(failure.attempt !== undefined ? { attempt: failure.attempt } : {}),
    ...extra,
  });
}

/**
 * Runs one step; an effect that failed for good opens an incident instead of failing the partner's workflow.
 * Returns whether the step completed.
 */
export function guarded(
  ctx: Ctx,
  step: IncidentStep,
  on: IsoDate,
  work: () => void,
  extra: Partial<Incident> = {},
): boolean {
  try {
    work();
    return true;
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
    openIncident(ctx, step, on, error.failure, extra);
    return false;
  }
}

/** Keeps an approved decision that failed part-way with the incident whose retry finishes it. */
export function keepUnfinished(ctx: Ctx, incidentId: string, decision: Omit<UnfinishedDecision, 'incidentId'>): void {
  ctx.s.unfinishedDecisions = [...(ctx.s.unfinishedDecisions ?? []), { incidentId, ...decision }];
}
