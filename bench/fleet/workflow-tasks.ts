/**
 * How long the fleet's workflow tasks held their lease: from a task's start (a worker took it) to its end (completed,
 * failed or timed out), read from the histories. A task that timed out after it started lost its lease: its worker's
 * completion was answered "Task not found". The margin to the partner workflows' task timeout is what matters when a
 * monthly check's store calls run as local activities inside one task.
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface WorkflowTaskStats {
  /** Tasks started at or after `fromMs`. */
  tasks: number;
  /** Of those, the ones that timed out after a worker had started them. */
  timedOut: number;
  p99S: number;
  longestS: number;
}

function ms(event: HistoryEvent): number {
  const t = event.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
}

/** The workflow tasks of `histories` started at or after `fromMs` (wall clock, ms). */
export function workflowTaskStats(histories: HistoryEvent[][], fromMs: number): WorkflowTaskStats {
  const durations: number[] = [];
  let timedOut = 0;
  for (const events of histories) {
    const startedAt = new Map<number, number>();
    for (const event of events) {
      if (event.workflowTaskStartedEventAttributes) startedAt.set(Number(event.eventId), ms(event));
      const end =
        event.workflowTaskCompletedEventAttributes ??
        event.workflowTaskFailedEventAttributes ??
        event.workflowTaskTimedOutEventAttributes;
      const start = end ? startedAt.get(Number(end.startedEventId)) : undefined;
      if (start === undefined || start < fromMs) continue;
      durations.push(ms(event) - start);
      if (event.workflowTaskTimedOutEventAttributes) timedOut += 1;
    }
  }
  durations.sort((a, b) => a - b);
  const at = (q: number) => (durations.length === 0 ? 0 : durations[Math.ceil(q * durations.length) - 1]! / 1000);
  return { tasks: durations.length, timedOut, p99S: at(0.99), longestS: at(1) };
}
