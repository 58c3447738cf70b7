/**
 * Model-based property test of the membership machine (src/domain/membership/machine): random five-year sequences of
 * commands, scorecard results, billing answers and activity failures, fed through the reducer as the partner workflow
 * feeds it, against the invariants of issue #10: a tier moves up one step only by an approved application; Premier
 * only from Advanced and never while cancelled; at most one open application; each invoice paid at most once, one
 * promo code per paid invoice; no downgrade by timer for an unpaid fee; every tier change has an audit record; the
 * schedule never goes backwards.
 */
import fc from 'fast-check';
import { addDays, nextTierUp, tierRank } from '../../src/domain';
import {
  firstDueBy,
  membershipYearOf,
  openInvoices,
  type LifecycleState,
  type MembershipCommand,
  type Tier,
} from '../../src/domain/membership';
import { freshMembership, MachineDriver, lifecycle, type Check, type Oracle } from '../support/machine-driver';

const RUNS = Number(process.env.MODEL_RUNS ?? 2000);
const START = '2019-01-01';
const FIVE_YEARS = 5 * 365;
const TIERS: Tier[] = ['registered', 'select', 'advanced', 'premier'];

type Op =
  | { kind: 'pay'; amount: 'oldest' | 'newest' | 'wrong'; named: boolean }
  | { kind: 'extend'; days: number }
  | { kind: 'cancel' }
  | { kind: 'apply'; target: Tier | 'next' }
  | { kind: 'decided'; outcome: 'approved' | 'rejected' | 'lapsed'; target: Tier | 'applied' }
  | { kind: 'decide-case'; decision: 'keep' | 'downgrade' }
  | { kind: 'reinstate' }
  | { kind: 'incident'; action: 'retry' | 'dismiss' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('pay' as const),
    amount: fc.constantFrom('oldest' as const, 'newest' as const, 'wrong' as const),
    named: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('extend' as const), days: fc.integer({ min: 0, max: 40 }) }),
  fc.constant({ kind: 'cancel' as const }),
  fc.record({ kind: fc.constant('apply' as const), target: fc.constantFrom<Tier | 'next'>('next', 'next', ...TIERS) }),
  fc.record({
    kind: fc.constant('decided' as const),
    outcome: fc.constantFrom('approved' as const, 'approved' as const, 'rejected' as const, 'lapsed' as const),
    target: fc.constantFrom<Tier | 'applied'>('applied', 'applied', 'applied', ...TIERS),
  }),
  fc.record({
    kind: fc.constant('decide-case' as const),
    decision: fc.constantFrom('keep' as const, 'downgrade' as const),
  }),
  fc.constant({ kind: 'reinstate' as const }),
  fc.record({ kind: fc.constant('incident' as const), action: fc.constantFrom('retry' as const, 'dismiss' as const) }),
);

export const lifeArb = fc.record({
  tier: fc.constantFrom(...TIERS),
  renewal: fc
    .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
    .map(([m, d]) => `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  /** The highest tier the scorecard meets, month by month over the five years. */
  scorecard: fc.array(fc.constantFrom(...TIERS), { minLength: 61, maxLength: 61 }),
  totals: fc.array(fc.constantFrom(2500, 2750), { minLength: 1, maxLength: 3 }),
  failEvery: fc.constantFrom(0, 0, 7, 13),
  events: fc.array(fc.record({ day: fc.integer({ min: 0, max: FIVE_YEARS }), op: opArb }), { maxLength: 40 }),
});
type Life = typeof lifeArb extends fc.Arbitrary<infer T> ? T : never;

function initial(life: Life): LifecycleState {
  const holdsPaid = tierRank(life.tier) >= tierRank(lifecycle.programFee.fromTier);
  return {
    registeredOn: START,
    partner: {
      id: 'p',
      name: 'P',
      track: 'consulting',
      tier: life.tier,
      renewalDate: life.renewal,
      country: 'US',
      feeAccountId: '123456789012',
    },
    tier: life.tier,
    ...freshMembership(),
    paidMembershipYears: holdsPaid ? [membershipYearOf(life.renewal, START)] : [],
  };
}

/** Scorecard answers from the generated months, invoices numbered, and every n-th activity call failing. */
function oracleOf(life: Life): Oracle {
  let calls = 0;
  let invoices = 0;
  return (call) => {
    calls += 1;
    if (life.failEvery > 0 && calls % life.failEvery === 0) {
      return { ok: false, failure: { activity: call.activity, reason: 'injected' } };
    }
    if (call.activity === 'issueFeeInvoice') {
      invoices += 1;
      return { ok: true, value: { invoiceId: `inv-${invoices}`, total: life.totals[invoices % life.totals.length]! } };
    }
    if (call.activity !== 'evaluatePartner') return undefined;
    const asOf = String(call.args.asOf);
    const months = (Number(asOf.slice(0, 4)) - 2019) * 12 + Number(asOf.slice(5, 7)) - 1;
    const highest = life.scorecard[Math.max(0, Math.min(60, months))]!;
    const tierMet = Object.fromEntries(TIERS.map((t) => [t, tierRank(t) <= tierRank(highest)]));
    return { ok: true, value: { highestTierMet: highest, premierMet: highest === 'premier', tierMet, gaps: [] } };
  };
}

/** The command an operation stands for in the state it meets (it may well be refused). */
export function commandOf(op: Op, s: LifecycleState, on: string): MembershipCommand {
  const open = openInvoices(s);
  switch (op.kind) {
    case 'pay': {
      const invoice = op.amount === 'newest' ? open[open.length - 1] : open[0];
      const amount = op.amount === 'wrong' || !invoice ? 1234 : invoice.total;
      return {
        kind: 'payment',
        cmd: { amount, ...(op.named && invoice ? { invoiceId: invoice.id } : {}), method: 'card' },
      };
    }
    case 'extend':
      return { kind: 'extension', cmd: { days: op.days, by: 'pm' } };
    case 'cancel':
      return { kind: 'cancel', cmd: { by: 'lead' } };
    case 'apply': {
      const targetTier = op.target === 'next' ? (nextTierUp(s.tier, 'consulting') ?? 'premier') : op.target;
      return { kind: 'apply', cmd: { targetTier, feeAccountId: '123456789012', by: 'lead' } };
    }
    case 'decided': {
      const a = s.application;
      const targetTier = op.target === 'applied' ? (a?.targetTier ?? 'select') : op.target;
      return {
        kind: 'decided',
        decision: { number: a?.number ?? 1, targetTier, outcome: op.outcome, decidedOn: on, reasons: [], by: 'pm' },
      };
    }
    case 'decide-case': {
      const c = s.cases.find((x) => x.reason === 'fee-unpaid');
      return { kind: 'decide-case', cmd: { caseId: c?.id ?? 'none', decision: op.decision, reason: 'r', by: 'pm' } };
    }
    case 'reinstate':
      return { kind: 'reinstate', cmd: { by: 'pm' } };
    case 'incident':
      return { kind: 'incident', cmd: { incidentId: s.incidents?.[0]?.id ?? 'none', action: op.action, by: 'ops' } };
  }
}

/** A failed invariant (plain throws: the check runs on every reduction of thousands of lives). */
function ensure(holds: boolean, what: string): void {
  if (!holds) throw new Error(`invariant broken: ${what}`);
}

/** The invariants, checked on every reduction. */
function invariants(): Check & { paid: Map<string, number>; lastDue: string } {
  const paid = new Map<string, number>();
  const self = ((before, date, input, result) => {
    const s0 = before.membership;
    const s1 = result.state.membership;
    const journal = result.effects.filter((e) => e.kind === 'journal');
    const calls = result.calls;
    const isCommand = (kind: string) => input.kind === 'command' && input.command.kind === kind;
    // The schedule never goes backwards: the timer runs steps in date order.
    if (input.kind === 'timer') {
      const due = firstDueBy(s0, lifecycle, date);
      if (due) {
        ensure(due.on >= self.lastDue, `the schedule went back from ${self.lastDue} to ${due.on}`);
        self.lastDue = due.on;
      }
    }
    for (const e of journal.filter((j) => j.type === 'tier-changed')) {
      const { from, to, reason } = e.data as { from: Tier; to: Tier; reason: string };
      if (tierRank(to) > tierRank(from)) {
        // Up one step, only by an approved application (or the reinstatement of a tier the review took away).
        if (reason === 'upgrade-approved') {
          ensure(tierRank(to) === tierRank(from) + 1, `${from}→${to} is not one step up`);
          expect(
            input.kind === 'command' &&
              input.command.kind === 'decided' &&
              input.command.decision.outcome === 'approved',
          ).toBe(true);
        } else expect(reason === 'reinstated' && isCommand('reinstate')).toBe(true);
      }
      if (to === 'premier') ensure(from === 'advanced', `Premier from ${from}`);
      // No downgrade by timer for an unpaid fee: only the Partner Manager's decision.
      if (reason === 'fee-unpaid') ensure(isCommand('decide-case'), `fee-unpaid downgrade by ${input.kind}`);
    }
    ensure(!(s1.tier === 'premier' && s1.cancelled), 'Premier while cancelled');
    // R-GRACE: a fee-unpaid case is about an open invoice; voiding it (cancellation, downgrade) closes the case
    // (unless the work failed part-way: its incident shows what is left).
    const failed = journal.some((j) => j.type === 'incident-opened');
    const isOpen = (s: LifecycleState, id?: string) => openInvoices(s).some((i) => i.id === id);
    for (const c of failed ? [] : s1.cases.filter((x) => x.reason === 'fee-unpaid')) {
      ensure(isOpen(s1, c.invoiceId) || !isOpen(s0, c.invoiceId), `case ${c.id} open, its invoice voided`);
    }
    // Every tier change has an audit record (or, when writing it failed for good, an incident an operator sees).
    if (s0.tier !== s1.tier) {
      expect(calls).toContainEqual(
        expect.objectContaining({
          activity: 'recordTierChange',
          args: expect.objectContaining({ from: s0.tier, to: s1.tier }),
        }),
      );
      const audited = journal.some((j) => j.type === 'tier-changed' && j.data.to === s1.tier);
      expect(audited || journal.some((j) => j.type === 'incident-opened')).toBe(true);
    }
    // The calendar's markers only move on (a retried old step re-runs as of its date, it moves none of them back).
    for (const marker of ['lastMonthlyCheck', 'lastRenewalReview', 'lastRenewalInvoice'] as const) {
      ensure((s1[marker] ?? '') >= (s0[marker] ?? ''), `${marker} went back from ${s0[marker]} to ${s1[marker]}`);
    }
    // An operator's answer to an incident frees the step it blocked (or re-runs it), as of its own earlier date: what
    // that step schedules may fall due from that date on.
    if (input.kind === 'command' && input.command.kind === 'incident' && !result.refusal) {
      const incidentId = input.command.cmd.incidentId;
      const freed = (s0.incidents ?? []).find((i) => i.id === incidentId)!;
      if (freed.on < self.lastDue) self.lastDue = freed.on;
    }
    // At most one open application: a new one is accepted only when none is open.
    if (isCommand('apply') && !result.refusal) ensure(!s0.application, 'a second open application');
    // Each invoice paid at most once, with one promo code.
    const fees = journal.filter((j) => j.type === 'fee-paid');
    for (const f of fees) {
      const id = String(f.data.invoiceId);
      paid.set(id, (paid.get(id) ?? 0) + 1);
      ensure(paid.get(id) === 1, `invoice ${id} paid twice`);
    }
    ensure(calls.filter((c) => c.activity === 'sendPromoCreditCode').length === fees.length, 'promo codes ≠ payments');
  }) as Check & { paid: Map<string, number>; lastDue: string };
  self.paid = paid;
  self.lastDue = '';
  return self;
}

/** Plays a generated life through the machine; returns its driver. */
export function play(life: Life, check: Check = () => {}): MachineDriver {
  const driver = new MachineDriver(initial(life), oracleOf(life), check);
  const events = [...life.events].sort((a, b) => a.day - b.day);
  for (const { day, op } of events) {
    const on = addDays(START, day);
    driver.advanceTo(on);
    driver.feed(on, { kind: 'command', command: commandOf(op, driver.state.membership, on) });
    driver.settle(on);
  }
  driver.advanceTo(addDays(START, FIVE_YEARS));
  return driver;
}

test('the membership machine keeps every invariant over thousands of random five-year lifecycles', () => {
  fc.assert(
    fc.property(lifeArb, (life) => {
      const check = invariants();
      const driver = play(life, check);
      // Five years of monthly checks went by (some failed ones became incidents): the calendar never stopped.
      expect(
        driver.journal.filter((j) => j.type === 'monthly-check' || j.type === 'incident-opened').length,
      ).toBeGreaterThanOrEqual(60);
    }),
    { numRuns: RUNS },
  );
});
