/**
 * Nothing the membership machine calls can end a partner's life (R-INCIDENT): for every activity the machine itself
 * calls on a Select partner's December renewal — the monthly evaluation, the renewal fee invoice, the grace
 * reminder's notice, and the payment command's two store writes — a failure (refused for good at once, or retryable
 * with its attempts spent) opens an incident on its step, the calendar goes on, and once an operator retries it (or
 * the command is sent again and its incident dismissed) the partner ends exactly where the fault-free life ends.
 *
 * These cases were the workflow-level test/workflows/incidents.test.ts (twenty simulations on the time-skipping
 * server, about 250 s); the machine proves them in milliseconds. That suite keeps what only the shell shows: the
 * journal and status-sync faults (work the shell does outside the machine), a machine fault through the real
 * workflow with its ApnNeedsAttention search attribute, and retries with real Temporal backoff.
 */
import { membershipYearOf, type IsoDate, type LifecycleState, type Outcome } from '../../src/domain/membership';
import { ACTIVITY_MAX_ATTEMPTS } from '../../src/workflows/common';
import { freshMembership, MachineDriver, type Call } from '../support/machine-driver';

const START = '2019-12-01';
const UNTIL = '2020-01-25';

type Event = { on: IsoDate; pay: true } | { on: IsoDate; resolve: 'retry' | 'dismiss' };
type Fault = { activity: string; retryable: boolean };

function initial(): LifecycleState {
  return {
    registeredOn: START,
    partner: {
      id: 'inc',
      name: 'Incident',
      track: 'consulting',
      tier: 'select',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
    },
    tier: 'select',
    ...freshMembership(),
    // Registered at a fee-paying tier: the membership year it registers in counts as paid.
    paidMembershipYears: [membershipYearOf('12-15', START)],
  };
}

/** Answers as the real activities would (evidence meets Select), failing `fault.activity` at its first call. */
function oracle(fault?: Fault) {
  let failed = false;
  let invoices = 0;
  return (call: Call): Outcome | undefined => {
    if (fault && !failed && call.activity === fault.activity) {
      failed = true;
      return {
        ok: false,
        failure: fault.retryable
          ? {
              activity: call.activity,
              errorType: 'StoreDown',
              reason: `store down in ${call.activity}`,
              attempt: ACTIVITY_MAX_ATTEMPTS,
            }
          : { activity: call.activity, errorType: 'InjectedFault', reason: `injected fault in ${call.activity}` },
      };
    }
    if (call.activity === 'issueFeeInvoice') {
      invoices += 1;
      return { ok: true, value: { invoiceId: `inv-${invoices}`, total: 2500 } };
    }
    if (call.activity === 'evaluatePartner') {
      const tierMet = { registered: true, select: true, advanced: false, premier: false };
      return { ok: true, value: { highestTierMet: 'select', premierMet: false, tierMet, gaps: [] } };
    }
    return undefined;
  };
}

/** The renewal life: registration, the calendar to UNTIL, the payment on 2020-01-20 and `extra` events. */
function live(fault?: Fault, extra: Event[] = []): MachineDriver {
  const driver = new MachineDriver(initial(), oracle(fault));
  driver.feed(START, { kind: 'start' });
  driver.settle(START);
  const events: Event[] = [{ on: '2020-01-20', pay: true as const }, ...extra].sort((a, b) => a.on.localeCompare(b.on));
  for (const event of events) {
    driver.advanceTo(event.on);
    if ('pay' in event) {
      driver.feed(event.on, { kind: 'command', command: { kind: 'payment', cmd: { amount: 2500 } } });
    } else {
      const incident = driver.state.membership.incidents?.[0];
      if (!incident) throw new Error(`no open incident to ${event.resolve} on ${event.on}`);
      const cmd = { incidentId: incident.id, action: event.resolve, by: 'ops' };
      const result = driver.feed(event.on, { kind: 'command', command: { kind: 'incident', cmd } });
      expect(result.refusal).toBeUndefined();
    }
    driver.settle(event.on);
  }
  driver.advanceTo(UNTIL);
  return driver;
}

/** What must end the same with and without the fault (the workflow test's `outcome`, from the machine state). */
function outcome(driver: MachineDriver) {
  const s = driver.state.membership;
  return {
    tier: s.tier,
    atRisk: s.atRisk,
    invoices: s.invoices ?? [],
    openCases: s.cases.length,
    incidents: s.incidents ?? [],
    paidMembershipYears: s.paidMembershipYears,
    monthly: s.monthly.map((m) => `${m.on} ${m.highestTierMet}`),
  };
}

/** The membership's timeline without the incident entries, the fault-free run's shape. */
const timeline = (driver: MachineDriver) =>
  driver.journal.filter((e) => !e.type.startsWith('incident-')).map((e) => `${e.on} ${e.type}`);

const baseline = live();

test('the fault-free life: the fee is invoiced on 12-15, reminded on day 30 and paid on 2020-01-20, no incident', () => {
  const types = timeline(baseline);
  expect(types).toEqual(
    expect.arrayContaining(['2019-12-15 fee-invoiced', '2020-01-14 fee-reminder', '2020-01-20 fee-paid']),
  );
  expect(outcome(baseline)).toMatchObject({ tier: 'select', atRisk: false, invoices: [], incidents: [] });
  expect(outcome(baseline).monthly).toEqual(['2019-12-01 select', '2020-01-01 select']);
  // Every activity the sites below fail is called in the fault-free life.
  const called = new Set(baseline.calls.map((c) => c.activity));
  for (const [activity] of SITES) expect(called).toContain(activity);
});

// The activity, its incident's step, and what clears it: a retry the next day, or (a command) the command sent
// again and its incident dismissed.
const SITES: [activity: string, step: string, fixes: Event[]][] = [
  ['evaluatePartner', 'monthly-check', [{ on: '2019-12-02', resolve: 'retry' }]],
  ['issueFeeInvoice', 'renewal-fee', [{ on: '2019-12-16', resolve: 'retry' }]],
  ['notify', 'grace-step', [{ on: '2020-01-15', resolve: 'retry' }]],
  [
    'recordPayment',
    'command',
    [
      { on: '2020-01-21', pay: true },
      { on: '2020-01-22', resolve: 'dismiss' },
    ],
  ],
  [
    'markInvoicePaid',
    'command',
    [
      { on: '2020-01-21', pay: true },
      { on: '2020-01-22', resolve: 'dismiss' },
    ],
  ],
];

describe.each(SITES)('R-INCIDENT: a non-retryable failure of %s', (activity, step, fixes) => {
  test(`opens a ${step} incident and the calendar goes on`, () => {
    const driver = live({ activity, retryable: false });
    expect(driver.state.membership.incidents).toEqual([
      expect.objectContaining({ step, activity, errorType: 'InjectedFault', reason: `injected fault in ${activity}` }),
    ]);
    expect(driver.journal.filter((e) => e.type === 'incident-opened')).toHaveLength(1);
    // The January monthly check ran after the incident opened.
    expect(driver.state.membership.monthly.map((m) => m.on)).toContain('2020-01-01');
  });

  test('once cleared, the partner ends where the fault-free life ends', () => {
    const driver = live({ activity, retryable: false }, fixes);
    expect(outcome(driver)).toEqual(outcome(baseline));
    // A step retried is done as of its own date; a command sent again is done on the day it is sent.
    const shape = (entries: string[]) => (step === 'command' ? entries.map((e) => e.split(' ')[1]) : entries);
    expect(shape(timeline(driver))).toEqual(shape(timeline(baseline)));
    expect(driver.journal.filter((e) => e.type === 'incident-resolved')).toHaveLength(1);
  });
});

describe.each(SITES.filter(([, step]) => step !== 'command'))(
  'R-INCIDENT: a %s call whose retries ran out',
  (activity, step, fixes) => {
    test(`opens a ${step} incident naming its ${ACTIVITY_MAX_ATTEMPTS} attempts; once retried the partner ends where the fault-free life ends`, () => {
      const open = live({ activity, retryable: true });
      expect(open.state.membership.incidents).toEqual([
        expect.objectContaining({
          step,
          activity,
          attempt: ACTIVITY_MAX_ATTEMPTS,
          reason: `store down in ${activity}`,
        }),
      ]);
      expect(outcome(live({ activity, retryable: true }, fixes))).toEqual(outcome(baseline));
    });
  },
);
