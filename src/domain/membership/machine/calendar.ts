/** The machine's calendar steps (R-PREMIER monthly checks, R-RENEWAL reviews, R-FEE renewal fees, R-GRACE, R-CASE). */
import { addDays, maxDate } from '../../dates';
import { tierRank } from '../../tier-ladder';
import { renewalReviewDate, renewalWithoutReview } from '../calendar';
import type { DueStep } from '../schedule';
import type { IsoDate } from '../types';
import * as op from './ops';
import type { Awaiting, Evaluation } from './types';

const MONTHLY_KEPT = 24;

/** Runs one scheduled step; returns what it awaits, if anything. */
export function runStep(ctx: op.Ctx, due: DueStep): Awaiting | undefined {
  const { s, lifecycle } = ctx;
  switch (due.step) {
    case 'monthly-check':
      op.call(ctx, 'evaluatePartner', { asOf: due.on });
      return { step: 'monthly-check', on: due.on };
    case 'renewal-review': {
      const renewal = due.arg!;
      const on = renewalReviewDate(renewal, lifecycle);
      s.lastRenewalReview = maxDate(s.lastRenewalReview ?? renewal, renewal);
      if (s.cancelled || s.tier === 'registered') return undefined;
      const why = renewalWithoutReview(renewal, lifecycle);
      if (why) return void op.record(ctx, on, 'compliance-review-skipped', { tier: s.tier, renewalDate: renewal, why });
      op.call(ctx, 'evaluatePartner', { asOf: on, targetTier: s.tier });
      return { step: 'renewal-review', on, renewal };
    }
    case 'renewal-fee': {
      s.lastRenewalInvoice = maxDate(s.lastRenewalInvoice ?? due.arg!, due.arg!);
      if (s.cancelled || tierRank(s.tier) < tierRank(lifecycle.programFee.fromTier)) return undefined;
      return invoiceFee(ctx, due.arg!, due.arg!, 'renewal-fee');
    }
    case 'grace-step':
      return void op.graceStep(ctx, due.on);
    case 'case-end':
      return void op.expireCases(ctx, due.on);
    case 'case-escalation':
      return void op.escalateCases(ctx, due.on);
    default:
      return undefined;
  }
}

export function invoiceFee(
  ctx: op.Ctx,
  on: IsoDate,
  year: IsoDate,
  step: 'renewal-fee' | 'upgrade-fee',
): Awaiting | undefined {
  if (!op.needsInvoice(ctx.s, year)) return undefined;
  const reason = step === 'renewal-fee' ? 'renewal' : 'upgrade';
  op.call(ctx, 'issueFeeInvoice', { membershipYear: year, reason, on });
  return { step, on, membershipYear: year };
}

export function monthlyChecked(ctx: op.Ctx, on: IsoDate, result: Evaluation): void {
  const { s } = ctx;
  if (!s.lastMonthlyCheck || s.lastMonthlyCheck < on) s.lastMonthlyCheck = on;
  const summary = { on, highestTierMet: result.highestTierMet, premierMet: result.premierMet };
  s.monthly = [...s.monthly.filter((m) => m.on !== on), summary]
    .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0))
    .slice(-MONTHLY_KEPT);
  op.record(ctx, on, 'monthly-check', { highestTierMet: result.highestTierMet, premierMet: result.premierMet });
}

/** R-RENEWAL: not compliant → a case and a downgrade to the highest tier met, reinstatable for its window. */
export function reviewed(ctx: op.Ctx, on: IsoDate, renewal: IsoDate, result: Evaluation): void {
  const { s, lifecycle } = ctx;
  const compliant = result.tierMet[s.tier] === true;
  op.record(ctx, on, 'compliance-review', { tier: s.tier, compliant, renewalDate: renewal });
  if (compliant) return;
  const target = result.highestTierMet;
  const c = op.openCase(ctx, on, 'non-compliant', target, {
    reviewDate: on,
    reinstatableUntil: addDays(on, lifecycle.renewal.reinstatementWindowDays),
  });
  op.changeTier(ctx, on, target, 'non-compliant', 'renewal-review', c.id);
  op.call(ctx, 'notify', { kind: 'downgrade-case-opened', on, caseId: c.id });
}
