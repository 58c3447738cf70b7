/**
 * Plain data carried by the lifecycle workflows (inputs, state, command results). No zod, no I/O: this file is
 * bundled into workflow code and imported by the API and CLI for typing.
 */

import type { IsoDate, LifecycleState, PartnerProfile, UpgradeApplicationArgs } from '../domain/membership/types';

export * from '../domain/membership/types';

export interface ClockOptions {
  /** Business time = workflow time + offset. 0 in production; simulations replay past dates on a present-day server. */
  offsetMs: number;
}

export interface PartnerLifecycleInput {
  partner: PartnerProfile;
  clock?: ClockOptions;
  /**
   * For partners migrated mid-way through sustained attainment (R-PREMIER): the monthly checks from this date up to
   * registration are evaluated from the dated evidence, as of each check's date; at most 12 months back (a project decision).
   */
  lookBackFrom?: IsoDate;
  /** Set when continuing as new. */
  state?: LifecycleState;
  /** Test hook: continue as new once history passes this many events (Temporal's own suggestion otherwise). */
  continueAsNewAfterEvents?: number;
}

/** An upgrade application child's input: what the partner's machine gives it, and the business clock. */
export interface UpgradeApplicationInput extends UpgradeApplicationArgs {
  clock?: ClockOptions;
}
