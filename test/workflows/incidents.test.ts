/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Nothing kills a partner workflow, through the real shell on the time-skipping server: a worker whose activity
 * refuses for good (a non-retryable failure) at its first call leaves the partner's workflow running, with the
 * failure visible as an incident (stage needs-attention, search attribute ApnNeedsAttention); once an operator
 * retries it the partner ends where a run without the fault ends.
 *
 * Every activity the membership machine calls is proven so on the machine (test/domain/membership-machine-
 * incidents.test.ts, milliseconds). Here stay what only the shell shows: the journal and status-sync writes (work
 * the shell does outside the machine, and local activities), one machine call (the fee invoice) end to end with
 * its search attribute, and retries spent with Temporal's real backoff, for a local and a normal activity.
 */
import { ApplicationFailure } from '@temporalio/common';
import { simulate, type SimulationResult } from '../../src/simulation/run';
import { ScenarioSchema, type ScenarioInput } from '../../src/simulation/scenario';
import { ApnNeedsAttention } from '../../src/workflows/search-attributes';
import { ACTIVITY_MAX_ATTEMPTS } from '../../src/workflows/common';
import type { PartnerStatus } from '../../src/workflows/types';
import { consultingEvidence } from '../support/evidence';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
let seq = 0;

type Event = ScenarioInput['events'] extends (infer E)[] | undefined ? E : never;

/**
 * A Select partner's December renewal: the registration-day check, the renewal review and fee on 12-15, the day-30
 * reminder on 2020-01-14 and the payment on 2020-01-20 — every activity of the partner workflow is called.
 */
function scenario(extra: Event[] = []): ScenarioInput {
  seq += 1;
  return {
    partner: {
      id: `inc${seq}-${Date.now().toString(36)}`,
      name: `Incident ${seq}`,
      track: 'consulting',
      tier: 'select',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
    },
    start: '2019-12-01',
    until: '2020-01-25',
    evidence: [{ on: '2019-12-01', set: consultingEvidence('select', '2019-06-01') }],
    events: [{ on: '2020-01-20', type: 'pay-fee', amount: 2500 }, ...extra],
  };
}

type Activities = Record<string, (...args: unknown[]) => Promise<unknown>>;

/** The real activities, with `name` refusing for good the first time it is called. */
function failingOnce(name: string) {
  return <T>(activities: T): T => {
    let failed = false;
    const wrapped = { ...(activities as Activities) };
    const real = wrapped[name]!;
    wrapped[name] = async (...args: unknown[]) => {
      if (!failed) {
        failed = true;
        throw ApplicationFailure.create({
          type: 'InjectedFault',
          message: `injected fault in ${name}`,
          nonRetryable: true,
        });
      }
      return await real(...args);
    };
    return wrapped as T;
  };
}

/** The real activities, with `name` failing retryably (store down) on every attempt of its first call. */
function failingEveryAttempt(name: string) {
  return <T>(activities: T): T => {
    let calls = 0;
    const wrapped = { ...(activities as Activities) };
    const real = wrapped[name]!;
    wrapped[name] = async (...args: unknown[]) => {
      calls += 1;
      if (calls <= ACTIVITY_MAX_ATTEMPTS) {
        throw ApplicationFailure.create({ type: 'StoreDown', message: `store down in ${name} (call ${calls})` });
      }
      return await real(...args);
    };
    return wrapped as T;
  };
}

async function run(input: ScenarioInput, wrap?: ReturnType<typeof failingOnce>): Promise<SimulationResult> {
  let codes = 0;
  return await simulate(ScenarioSchema.parse(input), {
    env: suite.env,
    store: suite.store,
    promoCode: () => `PROMO-${++codes}`,
    keepRunning: true,
    ...(wrap ? { wrapActivities: wrap } : {}),
  });
}

/** What must end the same with and without the fault. */
function outcome(status: PartnerStatus) {
  return {
    tier: status.tier,
    stage: status.stage,
    atRisk: status.atRisk,
    invoice: status.invoice ?? null,
    openCases: status.openCases.length,
    incidents: status.incidents,
    monthly: status.monthly.map((m) => `${m.on} ${m.highestTierMet}`),
  };
}

async function expectRunning(result: SimulationResult): Promise<void> {
  const description = await suite.env.client.workflow.getHandle(result.workflowId).describe();
  expect(description.status.name).toBe('RUNNING');
  await suite.env.client.workflow.getHandle(result.workflowId).terminate('test finished');
}

let baseline: ReturnType<typeof outcome>;
beforeAll(async () => {
  const result = await run(scenario());
  await expectRunning(result);
  baseline = outcome(result.finalStatus);
});

test('the fault-free run: the fee is invoiced on 12-15 and paid on 2020-01-20, no incident', () => {
  expect(baseline).toMatchObject({ tier: 'select', stage: 'active', invoice: null, incidents: [] });
});

// The day each activity is first called, and what clears it: a retry the next day.
const SITES: [activity: string, step: string, fixes: Event[]][] = [
  ['appendJournal', 'journal', [{ on: '2019-12-02', type: 'resolve-incidents', action: 'retry', by: 'ops' }]],
  ['syncPartnerStatus', 'status-sync', [{ on: '2019-12-02', type: 'resolve-incidents', action: 'retry', by: 'ops' }]],
  ['issueFeeInvoice', 'renewal-fee', [{ on: '2019-12-16', type: 'resolve-incidents', action: 'retry', by: 'ops' }]],
];

test('a non-retryable failure keeps the partner workflow running with its incident visible: stage needs-attention, ApnNeedsAttention=true, the calendar going on', async () => {
  const result = await run(scenario(), failingOnce('issueFeeInvoice'));
  const description = await suite.env.client.workflow.getHandle(result.workflowId).describe();
  expect(description.typedSearchAttributes.get(ApnNeedsAttention)).toBe(true);
  await expectRunning(result);
  expect(result.finalStatus.stage).toBe('needs-attention');
  expect(result.finalStatus.incidents).toEqual([
    expect.objectContaining({
      step: 'renewal-fee',
      activity: 'issueFeeInvoice',
      errorType: 'InjectedFault',
      reason: 'injected fault in issueFeeInvoice',
    }),
  ]);
  // The calendar went on: the January monthly check ran after the incident opened.
  expect(result.finalStatus.monthly.map((m) => m.on)).toContain('2020-01-01');
});

test.each(SITES)(
  'a non-retryable failure of %s opens a %s incident; once retried the partner ends where the fault-free run ends',
  async (activity, step, fixes) => {
    const result = await run(scenario(fixes), failingOnce(activity));
    await expectRunning(result);
    expect(result.timeline.filter((e) => e.type === 'incident-opened')).toEqual([
      expect.objectContaining({ step, activity, errorType: 'InjectedFault' }),
    ]);
    expect(outcome(result.finalStatus)).toEqual(baseline);
    expect(result.timeline.filter((e) => e.type === 'incident-resolved')).toHaveLength(1);
  },
);

// Retryable failures retry with backoff (about 13 minutes of business time, skipped by the test server: a local
// activity's backoff is a workflow timer too); an activity still failing after ACTIVITY_MAX_ATTEMPTS opens its
// incident instead of retrying in silence. The status sync is a local activity, the fee invoice a normal one.
describe.each(SITES.filter(([activity]) => activity !== 'appendJournal'))(
  'a %s call failing on every attempt',
  (activity, step, fixes) => {
    test(`surfaces a ${step} incident after ${ACTIVITY_MAX_ATTEMPTS} attempts, on the day it fell due, and once retried ends where the fault-free run ends`, async () => {
      const result = await run(scenario(fixes), failingEveryAttempt(activity));
      await expectRunning(result);
      const opened = result.timeline.filter((e) => e.type === 'incident-opened');
      expect(opened).toEqual([
        expect.objectContaining({
          step,
          activity,
          attempt: ACTIVITY_MAX_ATTEMPTS,
          reason: `store down in ${activity} (call ${ACTIVITY_MAX_ATTEMPTS})`,
        }),
      ]);
      // Its backoff is business time the server skips: the incident opens the day the step fell due, not later.
      // (The entry's `on` is the day the step fell due, `openedOn` the day the incident opened.)
      expect(opened[0]?.['openedOn']).toBe(opened[0]?.on);
      expect(outcome(result.finalStatus)).toEqual(baseline);
    });
  },
);
