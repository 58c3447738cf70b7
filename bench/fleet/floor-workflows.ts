/**
 * The physical floor of bench/fleet.ts: workflows that do nothing but what Temporal itself must do, run by a second
 * worker on the same server. Their times are the denominators of the fleet's ratios.
 */
import { defineUpdate, proxyActivities, setHandler, sleep, condition } from '@temporalio/workflow';
import type { floorActivities } from './floor-activities';

const { noop } = proxyActivities<typeof floorActivities>({ startToCloseTimeout: '1 minute' });

/** A workflow that starts and ends: the floor of onboarding one partner. */
export async function floorStart(): Promise<void> {
  await Promise.resolve();
}

/** Waits on a timer until `wakeAtMs` (wall clock), then runs one no-op activity: the floor of one monthly check. */
export async function floorTimer(wakeAtMs: number): Promise<void> {
  await sleep(Math.max(1, wakeAtMs - Date.now()));
  await noop();
}

export const noopUpdate = defineUpdate<number, [number]>('noop');

/** Answers a no-op Update until told to stop: the floor of one command sent to a partner's workflow. */
export async function floorUpdates(): Promise<void> {
  let stop = false;
  setHandler(noopUpdate, (n) => {
    if (n < 0) stop = true;
    return n;
  });
  await condition(() => stop);
}
