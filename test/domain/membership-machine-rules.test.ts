/**
 * Rules the membership machine (src/domain/membership/machine) keeps, named by rule id, each on a small hand-made
 * state fed through the same driver the model test uses: R-GRACE (fee-unpaid cases of voided invoices close),
 * R-UPGRADE (an approval whose work failed part-way is finished by retrying its incident), R-CANCEL and R-CASE (so is
 * a cancellation: the retry does only what is missing, and the partner ends as without the fault).
 */
import type { CaseState, InvoiceState, LifecycleState, Outcome } from '../../src/domain/membership';
import { MachineDriver, type Call } from '../support/machine-driver';

const ON = '2020-06-01';

function partner(tier: LifecycleState['tier'], extra: Partial<LifecycleState> = {}): LifecycleState {
  return {
    registeredOn: '2019-01-01',
    partner: {
      id: 'p',
      name: 'P',
      track: 'consulting',
      tier,
      renewalDate: '01-01',
      country: 'US',
      feeAccountId: '123456789012',
    },
    tier,
    cancelled: false,
    atRisk: false,
    paidMembershipYears: [],
    invoices: [],
    cases: [],
    applicationCount: 0,
    monthly: [],
    journalSeq: 0,
    caseSeq: 0,
    runsSoFar: 1,
    // Nothing else falls due on the day the tests run (their commands run alone).
    lastMonthlyCheck: ON,
    lastRenewalReview: '2020-01-01',
    lastRenewalInvoice: '2020-01-01',
    ...extra,
  };
}

const overdue = (id: string, year: string): InvoiceState => ({
  id,
  membershipYear: year,
  issuedOn: '2020-01-01',
  total: 2500,
  payerAccountId: '123456789012',
  deadline: '2020-03-31',
  remindersSent: [30, 60, 80],
  extended: false,
  overdueSince: '2020-03-31',
});
const feeUnpaid = (id: string, invoiceId: string): CaseState => ({
  id,
  reason: 'fee-unpaid',
  openedOn: '2020-03-31',
  fromTier: 'select',
  targetTier: 'registered',
  invoiceId,
  escalateOn: '2099-01-01',
  escalated: true,
});

/** Answers every call (evaluations meet Select), failing the activities named in `failing` once each. */
function oracle(failing: string[] = []) {
  const failed = new Set<string>();
  return (call: Call): Outcome | undefined => {
    if (failing.includes(call.activity) && !failed.has(call.activity)) {
      failed.add(call.activity);
      return { ok: false, failure: { activity: call.activity, reason: 'store down' } };
    }
    if (call.activity === 'issueFeeInvoice') return { ok: true, value: { invoiceId: 'inv-new', total: 2500 } };
    if (call.activity === 'evaluatePartner') {
      const tierMet = { registered: true, select: true, advanced: false, premier: false };
      return { ok: true, value: { highestTierMet: 'select', premierMet: false, tierMet, gaps: [] } };
    }
    return undefined;
  };
}

const closed = (driver: MachineDriver) =>
  driver.calls
    .filter((c) => c.activity === 'closeCase')
    .map((c) => `${String(c.args.caseId)}:${String(c.args.outcome)}`);

describe('R-GRACE', () => {
  const atRisk = { atRisk: true, atRiskReason: 'fee-unpaid' };

  test('R-GRACE: a cancellation closes the fee-unpaid case of the invoice it voids, cancelled', () => {
    const state = partner('select', {
      invoices: [overdue('inv-1', '2020-01-01')],
      cases: [feeUnpaid('c-1', 'inv-1')],
      ...atRisk,
    });
    const driver = new MachineDriver(state, oracle());
    const result = driver.feed(ON, { kind: 'command', command: { kind: 'cancel', cmd: { by: 'lead' } } });
    expect(result.refusal).toBeUndefined();
    expect(closed(driver)).toEqual(expect.arrayContaining(['c-1:cancelled']));
    expect(driver.state.membership.cases).toEqual([]);
  });

  test('R-GRACE: a downgrade decision closes the other voided invoices’ fee-unpaid cases, downgraded', () => {
    const invoices = [overdue('inv-1', '2019-01-01'), overdue('inv-2', '2020-01-01')];
    const state = partner('select', {
      invoices,
      cases: [feeUnpaid('c-1', 'inv-1'), feeUnpaid('c-2', 'inv-2')],
      ...atRisk,
    });
    const driver = new MachineDriver(state, oracle());
    const cmd = { caseId: 'c-1', decision: 'downgrade' as const, reason: 'unpaid', by: 'pm' };
    driver.feed(ON, { kind: 'command', command: { kind: 'decide-case', cmd } });
    expect(closed(driver).sort()).toEqual(['c-1:downgraded', 'c-2:downgraded']);
    expect(driver.state.membership.cases).toEqual([]);
  });

  test('R-GRACE: histories from before the rule (patch not taken) keep such a case open', () => {
    const state = partner('select', {
      invoices: [overdue('inv-1', '2020-01-01')],
      cases: [feeUnpaid('c-1', 'inv-1')],
      ...atRisk,
    });
    const driver = new MachineDriver(state, oracle(), undefined, (name) => name !== 'voided-invoice-cases-close');
    driver.feed(ON, { kind: 'command', command: { kind: 'cancel', cmd: { by: 'lead' } } });
    expect(driver.state.membership.cases.map((c) => c.id)).toEqual(['c-1']);
  });
});

describe('R-UPGRADE', () => {
  const applied = (): Partial<LifecycleState> => ({
    applicationCount: 1,
    application: {
      number: 1,
      workflowId: 'partner/p/application/1',
      targetTier: 'select',
      submittedOn: '2020-05-01',
      status: 'in-progress',
      fromTier: 'registered',
      submittedBy: 'lead',
      feeAccountId: '123456789012',
    },
  });
  const approved = {
    kind: 'decided' as const,
    decision: {
      number: 1,
      targetTier: 'select' as const,
      outcome: 'approved' as const,
      decidedOn: ON,
      reasons: [],
      by: 'rules',
    },
  };
  const retry = (driver: MachineDriver, action: 'retry' | 'dismiss' = 'retry') => {
    const incidentId = driver.state.membership.incidents![0]!.id;
    return driver.feed(ON, { kind: 'command', command: { kind: 'incident', cmd: { incidentId, action, by: 'ops' } } });
  };

  test.each(['issueFeeInvoice', 'recordTierChange', 'markInvoicePaid', 'sendPromoCreditCode'])(
    'R-UPGRADE: an approval whose %s failed is finished by retrying its incident',
    (activity) => {
      const answers = oracle([activity]);
      // The upgrade invoice is paid from an Advance Pay balance at once (so markInvoicePaid runs).
      const driver = new MachineDriver(partner('registered', applied()), (call) => {
        const answer = answers(call);
        if (answer?.ok && call.activity === 'issueFeeInvoice') {
          return { ok: true, value: { invoiceId: 'inv-new', total: 2500, paidViaAdvancePay: true } };
        }
        return answer;
      });
      driver.feed(ON, { kind: 'command', command: approved });
      const s1 = driver.state.membership;
      expect(s1.tier).toBe('select');
      expect(s1.incidents).toEqual([expect.objectContaining({ step: 'command', command: 'decided', activity })]);
      expect(s1.unfinishedDecisions).toHaveLength(1);

      retry(driver);
      const s2 = driver.state.membership;
      expect(s2.incidents).toEqual([]);
      expect(s2.unfinishedDecisions).toEqual([]);
      expect(s2.paidMembershipYears).toContain('2020-01-01');
      const audits = driver.journal.filter((j) => j.type === 'tier-changed' && j.data.to === 'select');
      expect(audits).toHaveLength(1);
      expect(driver.journal.filter((j) => j.type === 'promo-credit-sent')).toHaveLength(1);
    },
  );

  test('R-UPGRADE: dismissing the incident leaves the approval as it stopped', () => {
    const driver = new MachineDriver(partner('registered', applied()), oracle(['issueFeeInvoice']));
    driver.feed(ON, { kind: 'command', command: approved });
    retry(driver, 'dismiss');
    const calls = driver.calls.filter((c) => c.activity === 'issueFeeInvoice');
    expect(calls).toHaveLength(1);
    expect(driver.state.membership.unfinishedDecisions).toEqual([]);
    expect(driver.state.membership.invoices).toEqual([]);
  });
});

describe('R-CANCEL', () => {
  /** An Advanced partner with an open application, an overdue invoice and its fee-unpaid case, and a newer invoice. */
  const advanced = () =>
    partner('advanced', {
      applicationCount: 1,
      application: {
        number: 1,
        workflowId: 'partner/p/application/1',
        targetTier: 'premier',
        submittedOn: '2020-05-01',
        status: 'in-progress',
        fromTier: 'advanced',
        submittedBy: 'lead',
        feeAccountId: '123456789012',
      },
      invoices: [overdue('inv-1', '2019-01-01'), { ...overdue('inv-2', '2020-01-01'), overdueSince: undefined }],
      cases: [feeUnpaid('c-1', 'inv-1')],
      caseSeq: 1,
      atRisk: true,
      atRiskReason: 'fee-unpaid',
    });
  const cancelCmd = { kind: 'command' as const, command: { kind: 'cancel' as const, cmd: { by: 'lead' } } };
  const answer = (driver: MachineDriver, action: 'retry' | 'dismiss', on = '2020-06-03') => {
    const incidentId = driver.state.membership.incidents![0]!.id;
    return driver.feed(on, { kind: 'command', command: { kind: 'incident', cmd: { incidentId, action, by: 'ops' } } });
  };
  /**
   * What a cancellation leaves: the membership (without its incident bookkeeping), its timeline, its records (each
   * distinct call once: a failed call and its retry wrote one record).
   */
  const result = (driver: MachineDriver) => {
    const { incidents, incidentSeq: _seq, journalSeq: _journal, ...membership } = driver.state.membership;
    const succeeded = (activity: string) =>
      driver.calls
        .filter((c) => c.activity === activity)
        .map((c) => JSON.stringify({ ...c.args, key: undefined }))
        .filter((call, i, all) => all.indexOf(call) === i);
    return {
      membership,
      incidents,
      timeline: driver.journal.filter((j) => !j.type.startsWith('incident-')).map((j) => ({ ...j, key: undefined })),
      tierChanges: succeeded('recordTierChange'),
      closed: [...new Set(closed(driver))].sort(),
    };
  };
  const faultFree = () => {
    const driver = new MachineDriver(advanced(), oracle());
    driver.feed(ON, cancelCmd);
    return result(driver);
  };

  test('R-CANCEL: the fault-free cancellation drops the tier, withdraws the application, voids and closes', () => {
    const r = faultFree();
    expect(r.membership).toMatchObject({ tier: 'registered', cancelled: true, cancelledOn: ON, atRisk: false });
    expect(r.membership.cases).toEqual([]);
    expect(r.membership.invoices).toEqual([]);
    expect(r.membership.application).toBeUndefined();
    expect(r.closed).toEqual(['c-1:cancelled', 'case-1:cancelled']);
  });

  // The oracle fails the first call of the activity: for closeCase that is the fee-unpaid case's (R-CASE, R-GRACE:
  // it is closed because its invoice was voided); closeCase of the cancellation's own case is the next test.
  test.each(['openCase', 'recordTierChange', 'voidOpenInvoices', 'closeCase'])(
    'R-CANCEL: a cancellation whose %s failed is under way until retrying its incident finishes it',
    (activity) => {
      const driver = new MachineDriver(advanced(), oracle([activity]));
      const failed = driver.feed(ON, cancelCmd);
      expect(failed.refusal?.message).toMatch(/cancel could not be completed/);
      const s1 = driver.state.membership;
      // Not cancelled yet (never cancelled while still on a higher tier), but under way.
      expect(s1.cancelled).toBe(false);
      expect(s1.incidents).toEqual([expect.objectContaining({ step: 'command', command: 'cancel', activity })]);
      expect(s1.unfinishedCancellation).toMatchObject({ incidentId: '1', on: ON, fromTier: 'advanced' });

      // A second cancellation is refused, naming the incident whose retry finishes the first.
      const again = driver.feed('2020-06-02', cancelCmd);
      expect(again.refusal?.message).toBe(
        'the cancellation of 2020-06-01 is unfinished: retry incident 1 to finish it',
      );

      const retried = answer(driver, 'retry');
      expect(retried.refusal).toBeUndefined();
      const r = result(driver);
      expect(r.incidents).toEqual([]);
      expect(r.membership.unfinishedCancellation).toBeUndefined();
      expect(r).toEqual({ ...faultFree(), incidents: [] });
    },
  );

  test('R-CASE: a cancellation whose own case failed to close closes it on the retry, as of the cancellation', () => {
    let closes = 0;
    const answers = oracle();
    const driver = new MachineDriver(advanced(), (call) => {
      // The fee-unpaid case closes first; the cancellation's own case second.
      if (call.activity === 'closeCase' && ++closes === 2) {
        return { ok: false, failure: { activity: 'closeCase', reason: 'store down' } };
      }
      return answers(call);
    });
    driver.feed(ON, cancelCmd);
    expect(driver.state.membership.cases.map((c) => c.id)).toEqual(['case-1']);
    expect(driver.state.membership).toMatchObject({ tier: 'registered', cancelled: false });
    answer(driver, 'retry');
    const r = result(driver);
    expect(r.membership.cases).toEqual([]);
    expect(driver.calls.filter((c) => c.activity === 'closeCase').at(-1)?.args).toEqual({
      caseId: 'case-1',
      outcome: 'cancelled',
      closedOn: ON,
    });
    expect(r).toEqual({ ...faultFree(), incidents: [] });
  });

  // voidOpenInvoices fails before the cancelled flag is set; the own case's closeCase after it.
  test.each([
    ['voidOpenInvoices', (c: Call) => c.activity === 'voidOpenInvoices'],
    ['closeCase', (c: Call) => c.activity === 'closeCase' && c.args.caseId === 'case-1'],
  ])('R-CANCEL: a retry whose %s fails again opens a new retryable incident; its retry finishes it', (_, failing) => {
    const answers = oracle();
    let fail = 2;
    const driver = new MachineDriver(advanced(), (call) => {
      if (failing(call) && fail-- > 0) return { ok: false, failure: { activity: call.activity, reason: 'store down' } };
      return answers(call);
    });
    driver.feed(ON, cancelCmd);
    answer(driver, 'retry');
    const s = driver.state.membership;
    expect(s.incidents).toEqual([expect.objectContaining({ id: '2', command: 'cancel' })]);
    expect(s.unfinishedCancellation?.incidentId).toBe('2');
    expect(s.cancelled).toBe(false);
    answer(driver, 'retry', '2020-06-04');
    expect(result(driver)).toEqual({ ...faultFree(), incidents: [] });
  });

  test('R-CANCEL: while a cancellation is under way the renewal calendar stops and an approval is ineligible', () => {
    const driver = new MachineDriver(advanced(), oracle(['openCase']));
    driver.feed(ON, cancelCmd);
    const decision = { number: 1, targetTier: 'premier' as const, outcome: 'approved' as const, reasons: [], by: 'pm' };
    driver.feed('2020-06-05', {
      kind: 'command',
      command: { kind: 'decided', decision: { ...decision, decidedOn: '2020-06-05' } },
    });
    driver.advanceTo('2021-01-20');
    const s = driver.state.membership;
    expect(s.tier).toBe('advanced');
    expect(driver.journal.filter((j) => j.type === 'application-closed').map((j) => j.data.outcome)).toEqual([
      'ineligible',
    ]);
    expect(driver.calls.filter((c) => c.activity === 'issueFeeInvoice')).toEqual([]);
    expect(driver.journal.filter((j) => j.type.startsWith('compliance-review'))).toEqual([]);
    expect(s.unfinishedCancellation?.incidentId).toBe('1');
  });

  test('R-CANCEL: dismissing the incident abandons the cancellation as it stopped; a new one may be asked', () => {
    const driver = new MachineDriver(advanced(), oracle(['voidOpenInvoices']));
    driver.feed(ON, cancelCmd);
    answer(driver, 'dismiss');
    const s = driver.state.membership;
    expect(s.unfinishedCancellation).toBeUndefined();
    expect(s).toMatchObject({ cancelled: false, tier: 'registered' });
    expect(s.invoices).toHaveLength(2);
    expect(driver.feed('2020-06-04', cancelCmd).refusal).toBeUndefined();
    expect(driver.state.membership.cancelled).toBe(true);
  });

  test('R-CANCEL: histories from before (patch not taken) keep a failed cancellation as it was', () => {
    const driver = new MachineDriver(
      advanced(),
      oracle(['voidOpenInvoices']),
      undefined,
      (n) => n !== 'cancel-finishable',
    );
    driver.feed(ON, cancelCmd);
    const s = driver.state.membership;
    expect(s.cancelled).toBe(false);
    expect(s.unfinishedCancellation).toBeUndefined();
    expect(answer(driver, 'retry').refusal?.message).toMatch(/send the command again/);
  });
});
