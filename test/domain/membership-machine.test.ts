/**
 * Properties of the pure membership rules (src/domain/membership) over generated states spread across five years
 * (fast-check): the schedule never goes backwards and never runs a blocked step; the command checks let a tier move
 * up one step only, Premier only from Advanced, one open application at a time; an approval takes effect only for
 * the tier it was applied from and never for a partner that cancelled after applying; an invoice is paid once.
 */
import fc from 'fast-check';
import { addDays, currentEdition, nextTierUp, tierRank } from '../../src/domain';
import {
  checkApply,
  checkCommand,
  checkPayment,
  graceDates,
  ineligibility,
  isBlocked,
  nextMonthlyCheck,
  schedule,
  stageOf,
  type ApplicationDecision,
  type IncidentStep,
  type LifecycleState,
  type Tier,
  type Track,
} from '../../src/domain/membership';

const lifecycle = currentEdition.lifecycle;
const RUNS = 3000;
const START = '2019-01-01';
const FIVE_YEARS = 5 * 365;
const day = (min = 0, max = FIVE_YEARS) => fc.integer({ min, max }).map((n) => addDays(START, n));
const after = (from: string, max = 400) => fc.integer({ min: 0, max }).map((n) => addDays(from, n));
const TIERS: Tier[] = ['registered', 'select', 'advanced', 'premier'];
const STEPS: IncidentStep[] = ['monthly-check', 'renewal-review', 'renewal-fee', 'grace-step', 'case-end'];

const renewalArb = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([m, d]) => `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

const stateArb: fc.Arbitrary<LifecycleState> = fc
  .record({ registeredOn: day(), track: fc.constantFrom<Track>('consulting', 'technology'), renewal: renewalArb })
  .chain(({ registeredOn, track, renewal }) =>
    fc
      .record({
        tier: fc.constantFrom(...TIERS.filter((t) => track === 'consulting' || t !== 'premier')),
        cancelled: fc.boolean(),
        cancelledOn: fc.option(after(registeredOn), { nil: undefined }),
        lastMonthlyCheck: fc.option(after(registeredOn, 1500), { nil: undefined }),
        lastRenewalReview: fc.option(after(registeredOn, 1500), { nil: undefined }),
        lastRenewalInvoice: fc.option(after(registeredOn, 1500), { nil: undefined }),
        invoice: fc.option(
          fc.record({
            issuedOn: after(registeredOn, 1500),
            extension: fc.integer({ min: 0, max: 30 }),
            remindersSent: fc.subarray(lifecycle.programFee.reminderDays),
            overdue: fc.boolean(),
            total: fc.constantFrom(2500, 2750, 3000),
          }),
          { nil: undefined },
        ),
        caseEnds: fc.array(after(registeredOn, 1500), { maxLength: 2 }),
        incidents: fc.array(fc.record({ step: fc.constantFrom(...STEPS), on: after(registeredOn, 1500) }), {
          maxLength: 3,
        }),
        monthly: fc.array(
          fc.record({
            on: after(registeredOn, 1500),
            highestTierMet: fc.constantFrom(...TIERS),
            premierMet: fc.boolean(),
          }),
          { maxLength: 4 },
        ),
        application: fc.option(
          fc.record({ number: fc.integer({ min: 1, max: 5 }), submittedOn: after(registeredOn) }),
          {
            nil: undefined,
          },
        ),
      })
      .map((s): LifecycleState => {
        const monthly = [...s.monthly].sort((a, b) => (a.on < b.on ? -1 : 1));
        return {
          registeredOn,
          partner: { id: 'p', name: 'P', track, tier: s.tier, renewalDate: renewal, country: 'US' },
          tier: s.tier,
          cancelled: s.cancelled,
          ...(s.cancelled && s.cancelledOn ? { cancelledOn: s.cancelledOn } : {}),
          atRisk: false,
          paidMembershipYears: [],
          ...(s.invoice
            ? {
                invoice: {
                  id: 'inv-1',
                  membershipYear: s.invoice.issuedOn,
                  issuedOn: s.invoice.issuedOn,
                  total: s.invoice.total,
                  payerAccountId: '123456789012',
                  deadline: addDays(s.invoice.issuedOn, lifecycle.programFee.graceDays + s.invoice.extension),
                  remindersSent: s.invoice.remindersSent,
                  extended: s.invoice.extension > 0,
                  ...(s.invoice.overdue ? { overdueSince: addDays(s.invoice.issuedOn, 90) } : {}),
                },
              }
            : {}),
          cases: s.caseEnds.map((end, i) => ({
            id: `case-${i}`,
            reason: 'non-compliant' as const,
            openedOn: registeredOn,
            fromTier: 'select' as const,
            targetTier: 'registered' as const,
            reinstatableUntil: end,
          })),
          ...(s.application
            ? {
                application: {
                  number: s.application.number,
                  workflowId: `partner/p/application/${s.application.number}`,
                  targetTier: nextTierUp(s.tier, track) ?? s.tier,
                  submittedOn: s.application.submittedOn,
                  status: 'in-progress' as const,
                  fromTier: s.tier,
                },
              }
            : {}),
          applicationCount: s.application?.number ?? 0,
          monthly,
          ...(s.lastMonthlyCheck ? { lastMonthlyCheck: s.lastMonthlyCheck } : {}),
          ...(s.lastRenewalReview ? { lastRenewalReview: s.lastRenewalReview } : {}),
          ...(s.lastRenewalInvoice ? { lastRenewalInvoice: s.lastRenewalInvoice } : {}),
          incidents: s.incidents.map((i, n) => ({ id: String(n + 1), ...i, openedOn: i.on, reason: 'injected' })),
          journalSeq: 0,
          caseSeq: 0,
          runsSoFar: 1,
        };
      }),
  );

test('the schedule is in date order, leaves out every step an incident blocks, and never goes backwards', () => {
  fc.assert(
    fc.property(stateArb, (state) => {
      const steps = schedule(state, lifecycle);
      for (let i = 1; i < steps.length; i += 1) expect(steps[i - 1]!.on <= steps[i]!.on).toBe(true);
      for (const s of steps) expect(isBlocked(state, s.step, s.on)).toBe(false);
      // Each step falls after the marker of the one done before it.
      for (const s of steps) {
        if (s.step === 'monthly-check' && state.lastMonthlyCheck) expect(s.on > state.lastMonthlyCheck).toBe(true);
        if (s.step === 'renewal-review' && state.lastRenewalReview) expect(s.arg! > state.lastRenewalReview).toBe(true);
        if (s.step === 'renewal-fee' && state.lastRenewalInvoice) expect(s.arg! > state.lastRenewalInvoice).toBe(true);
      }
      // Doing a step moves its own next date forward, never back.
      const monthly = nextMonthlyCheck(state);
      expect(nextMonthlyCheck({ ...state, lastMonthlyCheck: monthly }) > monthly).toBe(true);
      for (const step of ['renewal-review', 'renewal-fee'] as const) {
        const first = schedule({ ...state, incidents: [] }, lifecycle).find((s) => s.step === step)!;
        const marker = step === 'renewal-review' ? 'lastRenewalReview' : 'lastRenewalInvoice';
        const next = schedule({ ...state, incidents: [], [marker]: first.arg }, lifecycle).find(
          (s) => s.step === step,
        )!;
        expect(next.arg! > first.arg!).toBe(true);
        expect(next.on >= first.on).toBe(true);
      }
    }),
    { numRuns: RUNS },
  );
});

test('R-GRACE: the grace steps of an open invoice are its unsent reminders before the deadline, then the deadline, once', () => {
  fc.assert(
    fc.property(stateArb, (state) => {
      const dates = graceDates(state, lifecycle);
      const invoice = state.invoice;
      if (!invoice || invoice.overdueSince) return expect(dates).toEqual([]);
      expect(dates[dates.length - 1]).toBe(invoice.deadline);
      expect(dates.filter((d) => d === invoice.deadline)).toHaveLength(1);
      for (const d of dates.slice(0, -1)) expect(d < invoice.deadline).toBe(true);
      for (const sent of invoice.remindersSent) expect(dates).not.toContain(addDays(invoice.issuedOn, sent));
    }),
    { numRuns: RUNS },
  );
});

test('R-UPGRADE, R-PREMIER: an application is accepted only one tier up, Premier only from Advanced, one at a time', () => {
  fc.assert(
    fc.property(stateArb, fc.constantFrom(...TIERS), (state, targetTier) => {
      const refusal = checkApply(state, { targetTier, feeAccountId: '123456789012', by: 'lead' });
      if (refusal === undefined) {
        expect(state.application).toBeUndefined();
        expect(tierRank(targetTier)).toBe(tierRank(state.tier) + 1);
        if (targetTier === 'premier') expect(state.tier).toBe('advanced');
        if (targetTier === 'premier') expect(state.partner.track).toBe('consulting');
      } else {
        const oneUp = nextTierUp(state.tier, state.partner.track);
        expect(state.application !== undefined || oneUp === null || oneUp !== targetTier).toBe(true);
      }
      // The Update validator and the command itself run the same check.
      expect(
        checkCommand(
          state,
          { kind: 'apply', cmd: { targetTier, feeAccountId: '123456789012', by: 'lead' } },
          START,
          lifecycle,
        ),
      ).toEqual(refusal);
    }),
    { numRuns: RUNS },
  );
});

test('R-PREMIER: an approval takes effect only one step above the tier applied from, never after a cancellation', () => {
  fc.assert(
    fc.property(stateArb, day(), (state, decidedOn) => {
      const application = state.application;
      if (!application) return;
      const decision: ApplicationDecision = {
        number: application.number,
        targetTier: application.targetTier,
        outcome: 'approved',
        decidedOn,
        reasons: [],
        by: 'pm',
      };
      const why = ineligibility(state, application, decision);
      if (why !== undefined) return;
      expect(nextTierUp(state.tier, state.partner.track)).toBe(decision.targetTier);
      expect(state.cancelled && state.cancelledOn !== undefined && state.cancelledOn >= application.submittedOn).toBe(
        false,
      );
      const latest = state.monthly[state.monthly.length - 1];
      if (decision.targetTier === 'premier' && latest) expect(latest.premierMet).toBe(true);
    }),
    { numRuns: RUNS },
  );
});

test('R-PAID: a payment is accepted only for the open invoice and its exact total, so an invoice is paid once', () => {
  fc.assert(
    fc.property(stateArb, fc.integer({ min: 0, max: 400_000 }), (state, cents) => {
      const amount = cents / 100;
      const refusal = checkPayment(state, { amount });
      if (refusal === undefined) expect(state.invoice?.total).toBe(amount);
      // Once settled (the workflow removes the invoice), the same payment is refused.
      expect(checkPayment({ ...state, invoice: undefined }, { amount })).toBeDefined();
    }),
    { numRuns: RUNS },
  );
});

test('R-PAID: a payment naming another invoice than the open one is refused, whatever its amount', () => {
  fc.assert(
    fc.property(stateArb, (state) => {
      if (!state.invoice) return;
      const amount = state.invoice.total;
      expect(checkPayment(state, { amount, invoiceId: state.invoice.id })).toBeUndefined();
      expect(checkPayment(state, { amount, invoiceId: `${state.invoice.id}-other` })?.message).toMatch(
        /is not an open fee invoice/,
      );
    }),
    { numRuns: RUNS },
  );
});

test('the stage shows cancelled first, then needs-attention whenever an incident is open', () => {
  fc.assert(
    fc.property(stateArb, (state) => {
      const stage = stageOf(state);
      if (state.cancelled) expect(stage).toBe('cancelled');
      else if ((state.incidents ?? []).length > 0) expect(stage).toBe('needs-attention');
      else expect(stage).not.toBe('needs-attention');
    }),
    { numRuns: RUNS },
  );
});
