/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The partner lifecycle end to end on the time-skipping test server: each path is a scenario replayed through the
 * real workflows and activities (src/simulation), asserted on its timeline and on the store.
 */
import { timeSkippingSuite } from '../support/temporal';
import { consultingEvidence } from '../support/evidence';
import { simulate, type TimelineEntry } from '../../src/simulation/run';
import { ScenarioSchema, type ScenarioInput } from '../../src/simulation/scenario';

const suite = timeSkippingSuite();
let seq = 0;

const ACCOUNT = '123456789012';

function partner(tier: 'registered' | 'select' | 'advanced', extra: Partial<ScenarioInput['partner']> = {}) {
  seq += 1;
  return {
    id: `p${seq}-${Date.now().toString(36)}`,
    name: `Partner ${seq}`,
    track: 'consulting' as const,
    tier,
    renewalDate: '12-15',
    country: 'US',
    feeAccountId: ACCOUNT,
    ...extra,
  };
}

async function run(input: ScenarioInput, options: { continueAsNewAfterEvents?: number } = {}) {
  const scenario = ScenarioSchema.parse(input);
  let codes = 0;
  return await simulate(scenario, {
    env: suite.env,
    store: suite.store,
    promoCode: () => `PROMO-${++codes}`,
    ...options,
  });
}

const ofType = (timeline: TimelineEntry[], type: string) => timeline.filter((e) => e.type === type);
const tierChanges = (timeline: TimelineEntry[]) =>
  ofType(timeline, 'tier-changed').map((e) => `${e.on} ${String(e.from)}→${String(e.to)} (${String(e.reason)})`);

describe('R-UPGRADE: Select and Advanced applications', () => {
  test('R-UPGRADE: a registered partner meeting Select on the application date is approved, promoted and invoiced', async () => {
    const { timeline } = await run({
      partner: partner('registered'),
      start: '2019-03-01',
      until: '2019-04-01',
      evidence: [{ on: '2019-03-01', set: consultingEvidence('select', '2019-02-01') }],
      events: [{ on: '2019-03-10', type: 'apply-upgrade', targetTier: 'select', by: 'alliance-lead' }],
    });
    expect(ofType(timeline, 'application-submitted')).toHaveLength(1);
    expect(ofType(timeline, 'application-approved')).toEqual([
      expect.objectContaining({ on: '2019-03-10', targetTier: 'select' }),
    ]);
    expect(tierChanges(timeline)).toEqual(['2019-03-10 registered→select (upgrade-approved)']);
    expect(ofType(timeline, 'fee-invoiced')).toEqual([
      expect.objectContaining({ on: '2019-03-10', amount: 2500, payerAccountId: ACCOUNT, reason: 'upgrade' }),
    ]);
  });

  test('R-UPGRADE: an application short of Select is rejected listing every gap, and the tier stays', async () => {
    const thin = consultingEvidence('select', '2019-02-01');
    const { timeline } = await run({
      partner: partner('registered'),
      start: '2019-03-01',
      until: '2019-04-01',
      evidence: [
        { on: '2019-03-01', set: { ...thin, csatResponses: thin.csatResponses!.slice(0, 3), references: [] } },
      ],
      events: [{ on: '2019-03-10', type: 'apply-upgrade', targetTier: 'select' }],
    });
    const [rejected] = ofType(timeline, 'application-rejected');
    expect(rejected).toBeDefined();
    const reasons = rejected!.reasons as string[];
    expect(reasons).toHaveLength(2);
    expect(reasons.join('\n')).toMatch(/csat-responses: .*2 more/);
    expect(reasons.join('\n')).toMatch(/public-references: /);
    expect(tierChanges(timeline)).toEqual([]);
    expect(ofType(timeline, 'fee-invoiced')).toEqual([]);
  });

  test('R-UPGRADE: only the next tier up may be applied for; a skip is refused and the simulation goes on', async () => {
    const { timeline } = await run({
      partner: partner('registered'),
      start: '2019-03-01',
      until: '2019-03-20',
      evidence: [{ on: '2019-03-01', set: consultingEvidence('advanced', '2019-02-01') }],
      events: [
        { on: '2019-03-05', type: 'apply-upgrade', targetTier: 'advanced' },
        { on: '2019-03-06', type: 'apply-upgrade', targetTier: 'select' },
      ],
    });
    expect(ofType(timeline, 'command-refused')).toEqual([
      expect.objectContaining({
        on: '2019-03-05',
        command: 'apply-upgrade',
        reason: expect.stringMatching(/only target is select/),
      }),
    ]);
    expect(tierChanges(timeline)).toEqual(['2019-03-06 registered→select (upgrade-approved)']);
  });
});

describe('R-PREMIER and R-EBR: Consulting Advanced → Premier', () => {
  const premierFrom = (on: string) => consultingEvidence('premier', on);

  test('R-PREMIER: six sustained months, readiness, then the Q1 EBR window approves Premier', async () => {
    const { timeline } = await run({
      partner: partner('advanced'),
      start: '2019-10-01',
      until: '2020-06-01',
      evidence: [
        { on: '2019-10-01', set: premierFrom('2019-09-15') },
        { on: '2020-03-01', set: premierFrom('2020-02-15') },
      ],
      events: [
        { on: '2019-10-05', type: 'apply-upgrade', targetTier: 'premier' },
        { on: '2019-11-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
        { on: '2019-12-20', type: 'pay-fee', amount: 2500 },
        { on: '2020-04-20', type: 'ebr-outcome', outcome: 'approved', by: 'pm-7' },
      ],
    });
    // Checks: 10-01 (before the application), 10-05, then the 1st of each month; six months are reached on 04-01.
    const scheduled = ofType(timeline, 'ebr-scheduled');
    expect(scheduled).toEqual([
      expect.objectContaining({ on: '2020-04-01', window: '2020-Q1', opensOn: '2020-04-15' }),
    ]);
    expect(ofType(timeline, 'application-approved')).toEqual([expect.objectContaining({ on: '2020-04-20' })]);
    expect(tierChanges(timeline)).toEqual(['2020-04-20 advanced→premier (upgrade-approved)']);
  });

  test('R-EBR: the Q3 window is accelerated — it opens at quarter close and lasts 21 days', async () => {
    const { timeline } = await run({
      partner: partner('advanced'),
      start: '2019-01-01',
      until: '2019-11-01',
      evidence: [{ on: '2019-01-01', set: premierFrom('2018-12-20') }],
      events: [
        { on: '2019-02-01', type: 'apply-upgrade', targetTier: 'premier', by: 'alliance-lead' },
        { on: '2019-08-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
        { on: '2019-10-20', type: 'ebr-outcome', outcome: 'approved', by: 'pm-7' },
      ],
    });
    expect(ofType(timeline, 'ebr-scheduled')).toEqual([
      expect.objectContaining({ on: '2019-08-20', window: '2019-Q3', opensOn: '2019-10-01', closesOn: '2019-10-21' }),
    ]);
    expect(tierChanges(timeline)).toEqual(['2019-10-20 advanced→premier (upgrade-approved)']);
    // R-FEE: the membership year an Advanced partner holds is paid; the upgrade does not bill it again.
    expect(ofType(timeline, 'fee-invoiced')).toEqual([]);
  });

  test('R-PREMIER: a failed check in month 3 restarts the six-month count', async () => {
    const evidence = premierFrom('2018-12-20');
    const { timeline } = await run({
      partner: partner('advanced'),
      start: '2019-01-01',
      until: '2019-12-31',
      evidence: [
        { on: '2019-01-01', set: evidence },
        { on: '2019-03-15', set: { csatResponses: evidence.csatResponses!.slice(0, 10) } },
        { on: '2019-04-15', set: { csatResponses: evidence.csatResponses! } },
      ],
      events: [
        { on: '2019-01-02', type: 'apply-upgrade', targetTier: 'premier' },
        { on: '2019-01-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
      ],
    });
    const checks = ofType(timeline, 'sustained-check').map(
      (c) => `${c.on}:${String(c.premierMet)}:${String(c.months)}`,
    );
    expect(checks.slice(0, 5)).toEqual([
      '2019-01-02:true:0',
      '2019-02-01:true:1',
      '2019-03-01:true:2',
      '2019-04-01:false:0',
      '2019-05-01:true:0',
    ]);
    // Restarted on 05-01: six months reached on 11-01; the Q3 window ended 10-21, so the earliest left is Q4's.
    expect(ofType(timeline, 'ebr-scheduled')).toEqual([
      expect.objectContaining({ on: '2019-11-01', window: '2019-Q4' }),
    ]);
  });

  test('R-PREMIER: meet and maintain — a failed check while awaiting the EBR closes the application lapsed', async () => {
    const evidence = premierFrom('2018-12-20');
    const { timeline, finalStatus } = await run({
      partner: partner('advanced'),
      start: '2019-01-01',
      until: '2019-11-01',
      evidence: [
        { on: '2019-01-01', set: evidence },
        // After the six months and the readiness, CSAT responses drop below Premier's 30 before the Q3 window.
        { on: '2019-09-15', set: { csatResponses: evidence.csatResponses!.slice(0, 10) } },
      ],
      events: [
        { on: '2019-02-01', type: 'apply-upgrade', targetTier: 'premier', by: 'alliance-lead' },
        { on: '2019-08-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
        { on: '2019-10-20', type: 'ebr-outcome', outcome: 'approved', by: 'pm-7' },
      ],
    });
    expect(ofType(timeline, 'ebr-scheduled')).toEqual([expect.objectContaining({ window: '2019-Q3' })]);
    expect(ofType(timeline, 'application-closed')).toEqual([
      expect.objectContaining({
        on: '2019-10-01',
        outcome: 'lapsed',
        reasons: [expect.stringMatching(/^csat-responses: /)],
      }),
    ]);
    expect(ofType(timeline, 'command-refused')).toEqual([
      expect.objectContaining({ on: '2019-10-20', command: 'ebr-outcome' }),
    ]);
    expect(tierChanges(timeline)).toEqual([]);
    expect(finalStatus.application).toBeUndefined();
  });

  test('R-PREMIER, R-CANCEL: a cancellation withdraws the open Premier application; a later EBR approval changes nothing', async () => {
    const { timeline, finalStatus } = await run({
      partner: partner('advanced'),
      start: '2019-01-01',
      until: '2019-11-01',
      evidence: [{ on: '2019-01-01', set: premierFrom('2018-12-20') }],
      events: [
        { on: '2019-02-01', type: 'apply-upgrade', targetTier: 'premier', by: 'alliance-lead' },
        { on: '2019-08-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
        { on: '2019-09-10', type: 'request-cancellation', by: 'alliance-lead' },
        { on: '2019-10-20', type: 'ebr-outcome', outcome: 'approved', by: 'pm-7' },
      ],
    });
    expect(ofType(timeline, 'application-closed')).toEqual([
      expect.objectContaining({ on: '2019-09-10', outcome: 'withdrawn', reasons: ['cancellation-requested'] }),
    ]);
    expect(ofType(timeline, 'command-refused')).toEqual([
      expect.objectContaining({ on: '2019-10-20', command: 'ebr-outcome', reason: 'no application is in progress' }),
    ]);
    expect(tierChanges(timeline)).toEqual(['2019-09-10 advanced→registered (cancellation-requested)']);
    expect(finalStatus).toMatchObject({ tier: 'registered', cancelled: true });
  });

  test('R-PREMIER: an EBR deferred moves the application to the next window', async () => {
    const { timeline } = await run({
      partner: partner('advanced'),
      start: '2019-01-01',
      until: '2020-02-20',
      evidence: [
        { on: '2019-01-01', set: premierFrom('2018-12-20') },
        { on: '2019-12-01', set: premierFrom('2019-11-20') },
      ],
      events: [
        { on: '2019-02-01', type: 'apply-upgrade', targetTier: 'premier' },
        { on: '2019-08-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
        { on: '2019-10-05', type: 'ebr-outcome', outcome: 'deferred', by: 'pm-7' },
        { on: '2020-01-20', type: 'ebr-outcome', outcome: 'approved', by: 'pm-7' },
      ],
    });
    expect(ofType(timeline, 'ebr-scheduled').map((e) => e.window)).toEqual(['2019-Q3', '2019-Q4']);
    expect(ofType(timeline, 'ebr-outcome').map((e) => `${String(e.window)}:${String(e.outcome)}`)).toEqual([
      '2019-Q3:deferred',
      '2019-Q4:approved',
    ]);
    expect(tierChanges(timeline)).toEqual(['2020-01-20 advanced→premier (upgrade-approved)']);
  });
});

describe('R-FEE, R-GRACE, R-PAID: the annual fee', () => {
  test('R-PAID: paid on day 45 — no downgrade, and the promo credit code is sent exactly once', async () => {
    const p = partner('select');
    const { timeline } = await run({
      partner: p,
      start: '2019-12-01',
      until: '2020-04-30',
      evidence: [{ on: '2019-12-01', set: consultingEvidence('select', '2019-11-01') }],
      events: [{ on: '2020-01-29', type: 'pay-fee', amount: 2500 }],
    });
    expect(ofType(timeline, 'fee-invoiced')).toEqual([expect.objectContaining({ on: '2019-12-15', amount: 2500 })]);
    expect(ofType(timeline, 'fee-reminder').map((r) => r.on)).toEqual(['2020-01-14']);
    expect(ofType(timeline, 'fee-paid')).toEqual([expect.objectContaining({ on: '2020-01-29', via: 'payment' })]);
    expect(tierChanges(timeline)).toEqual([]);
    const promos = (await suite.store.listNotifications(p.id)).filter((n) => n.kind === 'promo-credit-code');
    expect(promos).toHaveLength(1);
    expect(promos[0]!.payload).toEqual(expect.objectContaining({ code: 'PROMO-1' }));
  });

  const advancedUnpaid = (events: ScenarioInput['events'] = []) =>
    run({
      partner: partner('advanced'),
      start: '2019-12-01',
      until: '2020-04-30',
      evidence: [{ on: '2019-12-01', set: consultingEvidence('advanced', '2019-11-01') }],
      events,
    });

  test('R-GRACE: unpaid → reminders on days 30, 60, 80 → at risk with a fee-unpaid case on day 90, never downgraded by the timer; escalated after 30 days', async () => {
    const { timeline, finalStatus } = await advancedUnpaid();
    expect(ofType(timeline, 'fee-reminder').map((r) => r.on)).toEqual(['2020-01-14', '2020-02-13', '2020-03-04']);
    expect(ofType(timeline, 'at-risk')).toEqual([expect.objectContaining({ on: '2020-03-14', reason: 'fee-unpaid' })]);
    expect(ofType(timeline, 'case-opened')).toEqual([
      expect.objectContaining({ on: '2020-03-14', reason: 'fee-unpaid', targetTier: 'registered' }),
    ]);
    expect(ofType(timeline, 'case-escalated')).toEqual([expect.objectContaining({ on: '2020-04-13' })]);
    expect(tierChanges(timeline)).toEqual([]);
    expect(finalStatus).toMatchObject({ tier: 'advanced', atRisk: true, atRiskReason: 'fee-unpaid' });
    expect(finalStatus.invoice).toMatchObject({ overdueSince: '2020-03-14' });
    expect(finalStatus.openCases).toEqual([expect.objectContaining({ reason: 'fee-unpaid', escalated: true })]);
  });

  test('R-GRACE: the Partner Manager decides downgrade → registered, the invoice voided, the case closed', async () => {
    const { timeline, finalStatus } = await advancedUnpaid([
      { on: '2020-03-20', type: 'decide-case', decision: 'downgrade', by: 'pm-7', note: 'no answer from the partner' },
    ]);
    expect(ofType(timeline, 'case-decided')).toEqual([
      expect.objectContaining({ on: '2020-03-20', decision: 'downgrade', reason: 'no answer from the partner' }),
    ]);
    expect(tierChanges(timeline)).toEqual(['2020-03-20 advanced→registered (fee-unpaid)']);
    expect(ofType(timeline, 'case-closed')).toEqual([
      expect.objectContaining({ on: '2020-03-20', outcome: 'downgraded' }),
    ]);
    expect(ofType(timeline, 'case-escalated')).toEqual([]);
    expect(finalStatus).toMatchObject({ tier: 'registered', atRisk: false, openCases: [] });
    expect(finalStatus.invoice).toBeUndefined();
  });

  test('R-GRACE: keep leaves the tier and the invoice open; the later payment settles it and clears the flag', async () => {
    const { timeline, finalStatus } = await advancedUnpaid([
      { on: '2020-03-20', type: 'decide-case', decision: 'keep', by: 'pm-7', note: 'payment run is late' },
      { on: '2020-04-02', type: 'pay-fee', amount: 2500 },
    ]);
    expect(ofType(timeline, 'case-closed')).toEqual([expect.objectContaining({ on: '2020-03-20', outcome: 'kept' })]);
    expect(ofType(timeline, 'fee-paid')).toEqual([expect.objectContaining({ on: '2020-04-02' })]);
    expect(ofType(timeline, 'at-risk-cleared')).toEqual([expect.objectContaining({ on: '2020-04-02' })]);
    expect(tierChanges(timeline)).toEqual([]);
    expect(finalStatus).toMatchObject({ tier: 'advanced', atRisk: false, openCases: [] });
  });

  test('R-GRACE: a payment while the fee-unpaid case is open settles the invoice and closes the case paid', async () => {
    const { timeline, finalStatus } = await advancedUnpaid([{ on: '2020-03-25', type: 'pay-fee', amount: 2500 }]);
    expect(ofType(timeline, 'case-closed')).toEqual([expect.objectContaining({ on: '2020-03-25', outcome: 'paid' })]);
    expect(ofType(timeline, 'promo-credit-sent')).toHaveLength(1);
    expect(ofType(timeline, 'case-escalated')).toEqual([]);
    expect(finalStatus).toMatchObject({ tier: 'advanced', atRisk: false, openCases: [] });
  });

  test('R-GRACE, R-FEE: an unpaid upgrade invoice is not forgotten when the renewal invoice is issued; both keep their own clocks', async () => {
    const p = partner('registered');
    const { timeline, finalStatus } = await run({
      partner: p,
      start: '2019-10-01',
      until: '2020-03-20',
      evidence: [{ on: '2019-10-01', set: consultingEvidence('select', '2019-09-01') }],
      events: [
        { on: '2019-10-01', type: 'apply-upgrade', targetTier: 'select' },
        // No invoice named: the oldest open invoice of that total (the upgrade's) is settled, and its case with it.
        { on: '2020-01-05', type: 'pay-fee', amount: 2500 },
      ],
    });
    const invoiced = ofType(timeline, 'fee-invoiced');
    expect(invoiced.map((e) => `${e.on} ${String(e.reason)}`)).toEqual(['2019-10-01 upgrade', '2019-12-15 renewal']);
    const [upgrade, renewal] = invoiced.map((e) => String(e.invoiceId));
    const reminders = (id: string) =>
      ofType(timeline, 'fee-reminder')
        .filter((r) => r.invoiceId === id)
        .map((r) => r.on);
    expect(reminders(upgrade!)).toEqual(['2019-10-31', '2019-11-30', '2019-12-20']);
    expect(reminders(renewal!)).toEqual(['2020-01-14', '2020-02-13', '2020-03-04']);
    expect(ofType(timeline, 'case-opened').map((c) => `${c.on} ${String(c.reason)}`)).toEqual([
      '2019-12-30 fee-unpaid',
      '2020-03-14 fee-unpaid',
    ]);
    expect(ofType(timeline, 'fee-paid')).toEqual([expect.objectContaining({ on: '2020-01-05', invoiceId: upgrade })]);
    expect(ofType(timeline, 'case-closed')).toEqual([expect.objectContaining({ on: '2020-01-05', outcome: 'paid' })]);
    expect(tierChanges(timeline)).toEqual(['2019-10-01 registered→select (upgrade-approved)']);
    expect(finalStatus.invoices).toEqual([expect.objectContaining({ id: renewal, overdueSince: '2020-03-14' })]);
    expect(finalStatus).toMatchObject({ tier: 'select', atRisk: true, atRiskReason: 'fee-unpaid' });
    expect((await suite.store.listInvoices(p.id)).map((i) => i.status).sort()).toEqual(['open', 'paid']);
  });

  test('R-GRACE: a Partner Manager extension moves the deadline; paying inside it keeps the tier', async () => {
    const { timeline } = await run({
      partner: partner('select'),
      start: '2019-12-01',
      until: '2020-05-30',
      evidence: [{ on: '2019-12-01', set: consultingEvidence('select', '2019-11-01') }],
      events: [
        { on: '2020-03-01', type: 'grant-extension', days: 30, by: 'pm-7' },
        { on: '2020-03-02', type: 'grant-extension', days: 10, by: 'pm-7' },
        { on: '2020-04-05', type: 'pay-fee', amount: 2500 },
      ],
    });
    expect(ofType(timeline, 'fee-extension')).toEqual([
      expect.objectContaining({ on: '2020-03-01', deadline: '2020-04-13' }),
    ]);
    expect(ofType(timeline, 'command-refused')).toEqual([
      expect.objectContaining({
        on: '2020-03-02',
        command: 'grant-extension',
        reason: expect.stringMatching(/already extended/),
      }),
    ]);
    expect(ofType(timeline, 'fee-paid')).toEqual([expect.objectContaining({ on: '2020-04-05' })]);
    expect(tierChanges(timeline)).toEqual([]);
  });

  test('R-FEE: outside the US the invoice carries VAT on top of the $2,500 fee', async () => {
    const p = partner('select', { country: 'DE' });
    const { timeline } = await run({
      partner: p,
      start: '2019-12-01',
      until: '2019-12-20',
      evidence: [{ on: '2019-12-01', set: consultingEvidence('select', '2019-11-01') }],
    });
    expect(ofType(timeline, 'fee-invoiced')).toEqual([
      expect.objectContaining({ amount: 2500, tax: 475, total: 2975 }),
    ]);
  });

  test('R-FEE: a country with no configured tax rate (LU) is never refused: invoiced the fee alone, and the invoice says so', async () => {
    const { timeline, finalStatus } = await run({
      partner: partner('select', { country: 'LU' }),
      start: '2019-12-01',
      until: '2019-12-20',
      evidence: [{ on: '2019-12-01', set: consultingEvidence('select', '2019-11-01') }],
    });
    expect(ofType(timeline, 'fee-invoiced')).toEqual([
      expect.objectContaining({
        on: '2019-12-15',
        amount: 2500,
        tax: 0,
        total: 2500,
        taxNote: 'no VAT/GST rate is configured for LU on 2019-12-15: billed without tax',
      }),
    ]);
    expect(finalStatus.incidents).toEqual([]);
  });
});

describe('R-RENEWAL and R-CANCEL', () => {
  test('R-RENEWAL: non-compliant at renewal → downgraded to the highest tier met, with a case', async () => {
    const { timeline } = await run({
      partner: partner('advanced', { renewalDate: '06-15' }),
      start: '2020-05-01',
      until: '2020-08-01',
      evidence: [{ on: '2020-05-01', set: consultingEvidence('select', '2020-04-01') }],
      events: [{ on: '2020-06-20', type: 'pay-fee', amount: 2500 }],
    });
    expect(ofType(timeline, 'compliance-review')).toEqual([
      expect.objectContaining({ on: '2020-06-15', tier: 'advanced', compliant: false, highestTierMet: 'select' }),
    ]);
    expect(ofType(timeline, 'case-opened')).toEqual([
      expect.objectContaining({ reason: 'non-compliant', targetTier: 'select' }),
    ]);
    expect(tierChanges(timeline)).toEqual(['2020-06-15 advanced→select (non-compliant)']);
    expect(ofType(timeline, 'case-closed')).toEqual([
      expect.objectContaining({ on: '2020-07-15', outcome: 'downgraded' }),
    ]);
  });

  test('R-RENEWAL: a renewal date before April 2019 gets no review under the 2019 requirements — its fee is invoiced, its first review is in 2020', async () => {
    const { timeline } = await run({
      partner: partner('select', { renewalDate: '02-15' }),
      start: '2019-02-01',
      until: '2020-02-20',
      events: [{ on: '2019-03-01', type: 'pay-fee', amount: 2500 }],
    });
    expect(ofType(timeline, 'compliance-review-skipped')).toEqual([
      expect.objectContaining({ on: '2019-02-15', tier: 'select', why: expect.stringMatching(/FAQ 4/) }),
    ]);
    // 2020: the review comes first and downgrades to registered that day, which owes no fee.
    expect(ofType(timeline, 'fee-invoiced').map((e) => e.on)).toEqual(['2019-02-15']);
    expect(ofType(timeline, 'compliance-review')).toEqual([
      expect.objectContaining({ on: '2020-02-15', compliant: false }),
    ]);
    expect(tierChanges(timeline)).toEqual(['2020-02-15 select→registered (non-compliant)']);
  });

  test('R-RENEWAL: a renewal date in the 2019 transition is reviewed on 2019-12-13, its fee still on the renewal date', async () => {
    const { timeline } = await run({
      partner: partner('select', { renewalDate: '06-15' }),
      start: '2019-05-01',
      until: '2019-12-31',
      evidence: [
        { on: '2019-05-01', set: consultingEvidence('select', '2019-04-01') },
        { on: '2019-12-01', set: consultingEvidence('select', '2019-11-01') },
      ],
      events: [{ on: '2019-07-01', type: 'pay-fee', amount: 2500 }],
    });
    expect(ofType(timeline, 'fee-invoiced')).toEqual([expect.objectContaining({ on: '2019-06-15' })]);
    expect(ofType(timeline, 'compliance-review')).toEqual([
      expect.objectContaining({ on: '2019-12-13', renewalDate: '2019-06-15', compliant: true }),
    ]);
  });

  test('R-CANCEL: cancellation drops to registered, voids the open invoice and stops all billing', async () => {
    const p = partner('select');
    const { timeline } = await run({
      partner: p,
      start: '2019-12-01',
      until: '2021-01-31',
      evidence: [{ on: '2019-12-01', set: consultingEvidence('select', '2019-11-01') }],
      events: [
        { on: '2020-01-10', type: 'request-cancellation', by: 'alliance-lead' },
        { on: '2020-01-11', type: 'request-cancellation', by: 'alliance-lead' },
      ],
    });
    expect(tierChanges(timeline)).toEqual(['2020-01-10 select→registered (cancellation-requested)']);
    expect(ofType(timeline, 'fee-invoiced')).toHaveLength(1);
    expect(ofType(timeline, 'fee-reminder').map((r) => r.on)).toEqual([]);
    expect(ofType(timeline, 'command-refused')).toEqual([
      expect.objectContaining({ command: 'request-cancellation', reason: expect.stringMatching(/already cancelled/) }),
    ]);
    const invoices = await suite.store.listInvoices(p.id);
    expect(invoices.map((i) => i.status)).toEqual(['voided']);
    expect(ofType(timeline, 'case-closed')).toEqual([
      expect.objectContaining({ reason: 'cancellation-requested', outcome: 'cancelled' }),
    ]);
  });
});

describe('R-PREMIER, R-WINDOW: partners migrated mid-way, with monthly checks looked back at registration', () => {
  const premierFrom = (on: string) => consultingEvidence('premier', on);
  const lookBackChecks = (timeline: TimelineEntry[]) =>
    ofType(timeline, 'monthly-check')
      .filter((c) => c.lookBack === true)
      .map((c) => `${c.on}:${String(c.highestTierMet)}:${String(c.premierMet)}`);

  test('R-PREMIER: a partner registered with a six-month look-back on evidence that met Premier throughout is sustained at once', async () => {
    // Given an Advanced partner whose dated evidence has met Premier since 2018-12-20, registered on 2019-07-01 with
    // a look-back from 2019-01-01; when it applies for Premier that same day:
    const { timeline, openApplication } = await run({
      partner: partner('advanced'),
      start: '2019-07-01',
      until: '2019-07-10',
      lookBackFrom: '2019-01-01',
      evidence: [{ on: '2019-07-01', set: premierFrom('2018-12-20') }],
      events: [{ on: '2019-07-01', type: 'apply-upgrade', targetTier: 'premier' }],
    });
    // Then the six months before registration were checked retroactively, as of each 1st, and marked so…
    expect(lookBackChecks(timeline)).toEqual(
      ['01', '02', '03', '04', '05', '06'].map((m) => `2019-${m}-01:premier:true`),
    );
    expect(
      new Set(
        ofType(timeline, 'monthly-check')
          .filter((c) => c.lookBack === true)
          .map((c) => c.evaluatedOn),
      ),
    ).toEqual(new Set(['2019-07-01']));
    expect(ofType(timeline, 'monthly-look-back')).toEqual([
      expect.objectContaining({
        on: '2019-07-01',
        requestedFrom: '2019-01-01',
        checks: 6,
        firstCheck: '2019-01-01',
        lastCheck: '2019-06-01',
      }),
    ]);
    // …the registration day is still checked as usual, and the application counts all six months at once.
    expect(ofType(timeline, 'monthly-check').filter((c) => c.on === '2019-07-01' && c.lookBack === undefined)).toEqual([
      expect.objectContaining({ premierMet: true }),
    ]);
    expect(ofType(timeline, 'sustained-check')).toEqual([
      expect.objectContaining({ on: '2019-07-01', premierMet: true, sustainedSince: '2019-01-01', months: 6 }),
    ]);
    expect(openApplication).toEqual(
      expect.objectContaining({ stage: 'awaiting-readiness', sustainedSince: '2019-01-01', sustainedMonths: 6 }),
    );
  });

  test('R-PREMIER: a look-back over months when the evidence did not yet meet Premier gives no head start before them', async () => {
    // Given evidence meeting Advanced since 2018-12-20, but Premier only from 2019-05-01 (R-WINDOW: items dated after
    // a check's date never count on it):
    const advanced = consultingEvidence('advanced', '2018-12-20');
    const premier = premierFrom('2019-05-01');
    const evidence = {
      ...premier,
      opportunities: [...advanced.opportunities!, ...premier.opportunities!],
      references: [...advanced.references!, ...premier.references!],
      csatResponses: [...advanced.csatResponses!, ...premier.csatResponses!],
      businessPlan: advanced.businessPlan,
    };
    const { timeline, openApplication } = await run({
      partner: partner('advanced'),
      start: '2019-07-01',
      until: '2019-07-10',
      lookBackFrom: '2019-01-01',
      evidence: [{ on: '2019-07-01', set: evidence }],
      events: [{ on: '2019-07-01', type: 'apply-upgrade', targetTier: 'premier' }],
    });
    // Then the streak starts at the first passing month: two months sustained, still sustaining.
    expect(lookBackChecks(timeline)).toEqual([
      '2019-01-01:advanced:false',
      '2019-02-01:advanced:false',
      '2019-03-01:advanced:false',
      '2019-04-01:advanced:false',
      '2019-05-01:premier:true',
      '2019-06-01:premier:true',
    ]);
    expect(openApplication).toEqual(
      expect.objectContaining({ stage: 'sustaining', sustainedSince: '2019-05-01', sustainedMonths: 2 }),
    );
    expect(ofType(timeline, 'at-risk')).toEqual([]);
  });

  test('R-PREMIER (decision): a look-back further than 12 months is clipped to the 12 monthly checks before registration', async () => {
    // Given a partner registered mid-month on 2019-07-15 with a look-back from 2017-01-01:
    const { timeline, finalStatus } = await run({
      partner: partner('advanced'),
      start: '2019-07-15',
      until: '2019-08-05',
      lookBackFrom: '2017-01-01',
      evidence: [{ on: '2019-07-15', set: premierFrom('2019-07-01') }],
    });
    // Then the look-back starts at the first 1st on or after 2018-07-15 and the clip is journaled…
    const checks = lookBackChecks(timeline).map((c) => c.slice(0, 10));
    expect(checks).toHaveLength(12);
    expect(checks[0]).toBe('2018-08-01');
    expect(checks[11]).toBe('2019-07-01');
    expect(ofType(timeline, 'monthly-look-back')).toEqual([
      expect.objectContaining({ requestedFrom: '2017-01-01', checks: 12, clippedToMonths: 12 }),
    ]);
    // …and the regular checks go on: the registration day, then the 1st of each month.
    expect(
      ofType(timeline, 'monthly-check')
        .filter((c) => c.lookBack === undefined)
        .map((c) => c.on),
    ).toEqual(['2019-07-15', '2019-08-01']);
    expect(finalStatus.monthly.map((m) => m.on)).toEqual([...checks, '2019-07-15', '2019-08-01']);
  });
});
