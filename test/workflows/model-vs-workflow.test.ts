/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The pure membership machine (src/domain/membership/machine) and the real workflows agree: generated lives (the
 * model test's kind of commands, a scorecard from real evidence that goes stale or changes, a year of time) run
 * through `simulate()` on the time-skipping server and through the machine (test/support/machine-driver.ts), and
 * each timeline, projected onto the membership's own entries, is the same.
 */
import fc from 'fast-check';
import { addDays, evaluateScorecard, tierRank } from '../../src/domain';
import { emptyEvidence, mergeEvidence, type PartnerEvidence } from '../../src/domain/evidence';
import { membershipYearOf, type LifecycleState, type MembershipCommand } from '../../src/domain/membership';
import { simulate, type TimelineEntry } from '../../src/simulation/run';
import { ScenarioSchema, type ScenarioInput } from '../../src/simulation/scenario';
import { consultingEvidence } from '../support/evidence';
import { freshMembership, MachineDriver, lifecycle, type Oracle } from '../support/machine-driver';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
const SAMPLES = Number(process.env.MODEL_SAMPLES ?? 20);
const START = '2019-05-01';
const UNTIL = '2020-04-30';
const DAYS = 365;
type EvidenceTier = 'registered' | 'select' | 'advanced';
type Op =
  | { type: 'pay-fee' }
  | { type: 'grant-extension'; days: number }
  | { type: 'request-cancellation' }
  | { type: 'decide-case'; decision: 'keep' | 'downgrade' }
  | { type: 'apply-upgrade' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ type: 'pay-fee' as const }),
  fc.record({ type: fc.constant('grant-extension' as const), days: fc.constantFrom(10, 30, 45) }),
  fc.constant({ type: 'request-cancellation' as const }),
  fc.record({
    type: fc.constant('decide-case' as const),
    decision: fc.constantFrom('keep' as const, 'downgrade' as const),
  }),
  fc.constant({ type: 'apply-upgrade' as const }),
);
const TIERS: EvidenceTier[] = ['registered', 'select', 'advanced'];
const lifeArb = fc.record({
  tier: fc.constantFrom(...TIERS),
  renewal: fc
    .tuple(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }).filter((d) => d !== 15),
    )
    .map(([m, d]) => `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  evidence: fc.constantFrom(...TIERS),
  /** A second evidence set on the 15th of a month (no step of the calendar evaluates on a 15th here). */
  change: fc.option(fc.record({ month: fc.integer({ min: 1, max: 10 }), tier: fc.constantFrom(...TIERS) }), {
    nil: undefined,
  }),
  events: fc.array(fc.record({ day: fc.integer({ min: 1, max: DAYS - 1 }), op: opArb }), { maxLength: 6 }),
});
type Life = typeof lifeArb extends fc.Arbitrary<infer T> ? T : never;

/** Evidence meeting `tier` as of `on` (registered: Select evidence years stale, so it meets nothing above). */
const evidenceFor = (tier: EvidenceTier, on: string) =>
  tier === 'registered' ? consultingEvidence('select', '2016-01-01') : consultingEvidence(tier, on);

function evidenceSteps(life: Life) {
  const steps = [{ on: START, set: evidenceFor(life.evidence, '2019-04-01') }];
  if (life.change) {
    const on = `${addDays(START, life.change.month * 31).slice(0, 8)}15`;
    steps.push({ on, set: evidenceFor(life.change.tier, addDays(on, -10)) });
  }
  return steps;
}

function scenarioOf(life: Life, n: number): ScenarioInput {
  const events = [...life.events]
    .sort((a, b) => a.day - b.day)
    .map(({ day, op }) => {
      const on = addDays(START, day);
      if (op.type === 'pay-fee') return { on, type: op.type, amount: 2500 };
      if (op.type === 'grant-extension') return { on, type: op.type, days: op.days, by: 'pm' };
      if (op.type === 'request-cancellation') return { on, type: op.type, by: 'lead' };
      if (op.type === 'decide-case') return { on, type: op.type, decision: op.decision, by: 'pm' };
      return { on, type: op.type, targetTier: 'select' as const, by: 'lead' };
    });
  const partner = { id: `model${n}-${Date.now().toString(36)}`, name: `Model ${n}`, track: 'consulting' as const };
  return {
    partner: { ...partner, tier: life.tier, renewalDate: life.renewal, country: 'US', feeAccountId: '123456789012' },
    start: START,
    until: UNTIL,
    evidence: evidenceSteps(life),
    events,
  };
}

/** The machine's answers: the real scorecard of the evidence in force, invoices of $2,500 numbered in order. */
function machineRun(life: Life, scenario: ScenarioInput) {
  const steps = evidenceSteps(life);
  const evidenceOn = (on: string): PartnerEvidence =>
    steps.filter((s) => s.on <= on).reduce((e, s) => mergeEvidence(e, s.set), emptyEvidence('consulting'));
  const evaluate = (asOf: string) => {
    const card = evaluateScorecard(evidenceOn(asOf), asOf);
    const tierMet = Object.fromEntries(Object.entries(card.tiers).map(([t, r]) => [t, r?.met === true]));
    return {
      highestTierMet: card.highestTierMet,
      premierMet: tierMet.premier === true,
      tierMet,
      gaps: [],
    };
  };
  let invoices = 0;
  const oracle: Oracle = (call) => {
    if (call.activity === 'issueFeeInvoice') {
      invoices += 1;
      return { ok: true, value: { invoiceId: `inv-${invoices}`, total: 2500 } };
    }
    if (call.activity !== 'evaluatePartner') return undefined;
    return { ok: true, value: evaluate(String(call.args.asOf)) };
  };
  const holdsPaid = tierRank(life.tier) >= tierRank(lifecycle.programFee.fromTier);
  const state: LifecycleState = {
    registeredOn: START,
    partner: { ...scenario.partner, track: 'consulting' } as LifecycleState['partner'],
    tier: life.tier,
    ...freshMembership(),
    paidMembershipYears: holdsPaid ? [membershipYearOf(life.renewal, START)] : [],
  };
  const driver = new MachineDriver(state, oracle);
  const refused: string[] = [];
  for (const event of scenario.events ?? []) {
    driver.advanceTo(event.on);
    const command = commandOf(
      event as { on: string; type: Op['type']; days?: number; decision?: string },
      driver.state.membership,
    );
    const result = driver.feed(event.on, { kind: 'command', command });
    if (result.refusal) refused.push(`${event.on} command-refused ${event.type}`);
    else if (command.kind === 'apply') {
      // The Select application decides on its own day, from the scorecard of that day (R-UPGRADE).
      const met = evaluate(event.on).tierMet.select === true;
      const decision = {
        number: driver.state.membership.applicationCount,
        targetTier: 'select' as const,
        outcome: met ? ('approved' as const) : ('rejected' as const),
        decidedOn: event.on,
        reasons: [],
        by: 'rules-engine',
      };
      driver.feed(event.on, { kind: 'command', command: { kind: 'decided', decision } });
    }
    driver.settle(event.on);
  }
  driver.advanceTo(UNTIL);
  return { journal: driver.journal.map((j) => ({ on: j.on, type: j.type, ...j.data })), refused };
}

function commandOf(
  event: { on: string; type: Op['type']; days?: number; decision?: string },
  s: LifecycleState,
): MembershipCommand {
  switch (event.type) {
    case 'pay-fee':
      return { kind: 'payment', cmd: { amount: 2500 } };
    case 'grant-extension':
      return { kind: 'extension', cmd: { days: event.days!, by: 'pm' } };
    case 'request-cancellation':
      return { kind: 'cancel', cmd: { by: 'lead' } };
    case 'decide-case': {
      const c = s.cases.find((x) => x.reason === 'fee-unpaid');
      return {
        kind: 'decide-case',
        cmd: { caseId: c?.id ?? 'none', decision: event.decision as 'keep', reason: 'r', by: 'pm' },
      };
    }
    case 'apply-upgrade':
      return { kind: 'apply', cmd: { targetTier: 'select', feeAccountId: '123456789012', by: 'lead' } };
  }
}

/** The membership's own entries, as comparable lines (ids left out: the store numbers cases and invoices its way). */
const FIELDS: Record<string, string[]> = {
  'tier-changed': ['from', 'to', 'reason'],
  'fee-invoiced': ['reason', 'total', 'membershipYear'],
  'fee-reminder': ['day', 'deadline'],
  'fee-paid': ['total', 'via'],
  'fee-extension': ['days', 'deadline'],
  'case-opened': ['reason', 'fromTier', 'targetTier'],
  'case-closed': ['reason', 'outcome'],
  'case-escalated': ['reason'],
  'case-decided': ['decision'],
  'at-risk': ['reason'],
  'at-risk-cleared': [],
  'compliance-review': ['tier', 'compliant', 'renewalDate'],
  'compliance-review-skipped': ['tier', 'renewalDate'],
  'monthly-check': ['highestTierMet', 'premierMet'],
  'application-submitted': ['targetTier'],
  'invoice-voided': [],
  'promo-credit-sent': ['membershipYear'],
};
const project = (entries: TimelineEntry[]): string[] =>
  entries
    .filter((e) => FIELDS[e.type] !== undefined)
    .map((e) => `${e.on} ${e.type} ${FIELDS[e.type]!.map((f) => `${f}=${String(e[f])}`).join(' ')}`)
    .sort();

const lives = fc.sample(lifeArb, { numRuns: SAMPLES, seed: 20261129 });

test.each(lives.map((life, i) => [i, life] as const))(
  'sampled life %i: the workflow timeline equals the machine’s',
  async (i, life) => {
    const scenario = scenarioOf(life, i);
    const result = await simulate(ScenarioSchema.parse(scenario), {
      env: suite.env,
      store: suite.store,
      promoCode: () => 'PROMO',
    });
    const model = machineRun(life, scenario);
    const refusedByWorkflow = result.timeline
      .filter((e) => e.type === 'command-refused')
      .map((e) => `${e.on} command-refused ${String(e.command)}`);
    const projected = project(result.timeline);
    expect(projected).toEqual(project(model.journal));
    const kinds = [...new Set(projected.map((line) => line.split(' ')[1]))].filter((k) => k !== 'monthly-check');
    process.stderr.write(`[model-vs-workflow] life ${i}: ${projected.length} entries; ${kinds.join(', ')}\n`);
    expect(refusedByWorkflow.sort()).toEqual(model.refused.sort());
  },
);
