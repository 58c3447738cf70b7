/**
 * The business calendar inside workflow code. Workflow time is deterministic (`Date.now()` is the task's time);
 * business time adds a fixed offset so a simulation can replay 2019 on a server whose clock says today.
 */
import { condition } from '@temporalio/workflow';
import type { ClockOptions, IsoDate } from './types';

export class BusinessClock {
  constructor(private readonly options: ClockOptions = { offsetMs: 0 }) {}

  get offsetMs(): number {
    return this.options.offsetMs;
  }

  nowMs(): number {
    return Date.now() + this.options.offsetMs;
  }

  /** Today's UTC calendar date in business time. */
  today(): IsoDate {
    return new Date(this.nowMs()).toISOString().slice(0, 10);
  }

  /** Milliseconds from now until the start (00:00 UTC) of `date`; 0 when it has begun. */
  msUntil(date: IsoDate): number {
    return Math.max(0, Date.parse(`${date}T00:00:00Z`) - this.nowMs());
  }

  /**
   * Waits until `date` begins or `wake()` turns true, whichever is first. Returns true when woken.
   * With no date, waits for `wake()` alone.
   */
  async waitUntil(date: IsoDate | undefined, wake: () => boolean): Promise<boolean> {
    if (date === undefined) {
      await condition(wake);
      return true;
    }
    const ms = this.msUntil(date);
    if (ms === 0) return wake();
    // Round up to whole seconds: Temporal timers have second precision on some servers.
    return await condition(wake, Math.ceil(ms / 1000) * 1000);
  }
}
