/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Fault injection on the Premier path (issue #10, Tests): an activity of an Advanced partner's Premier application
 * (its sustained checks, its EBR scheduling) or of the partner's apply command fails — for good, or on every attempt —
 * and the partner workflow keeps running with the incident visible; once the fault clears and the operator retries
 * (or, for a command, sends it again and dismisses the incident) the partner ends Premier exactly as without the fault.
 */
import { ApplicationFailure } from '@temporalio/common';
import { simulate, type SimulationResult } from '../../src/simulation/run';
import { ScenarioSchema, type ScenarioInput } from '../../src/simulation/scenario';
import { ACTIVITY_MAX_ATTEMPTS } from '../../src/workflows/common';
import type { PartnerStatus } from '../../src/workflows/types';
import { consultingEvidence } from '../support/evidence';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
let seq = 0;

type Event = ScenarioInput['events'] extends (infer E)[] | undefined ? E : never;
type Activities = Record<string, (...args: unknown[]) => Promise<unknown>>;
type Args = Record<string, unknown>;

/** Six sustained months from 2019-10-05, readiness in November, the Q1 2020 EBR approves Premier on 2020-04-20. */
function scenario(extra: Event[] = []): ScenarioInput {
  seq += 1;
  return {
    partner: {
      id: `premfault${seq}-${Date.now().toString(36)}`,
      name: `Premier fault ${seq}`,
      track: 'consulting',
      tier: 'advanced',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
    },
    start: '2019-10-01',
    until: '2020-04-25',
    evidence: [
      { on: '2019-10-01', set: consultingEvidence('premier', '2019-09-15') },
      { on: '2020-03-01', set: consultingEvidence('premier', '2020-02-15') },
    ],
    events: [
      { on: '2019-10-05', type: 'apply-upgrade', targetTier: 'premier' },
      { on: '2019-11-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
      { on: '2019-12-20', type: 'pay-fee', amount: 2500 },
      { on: '2020-04-20', type: 'ebr-outcome', outcome: 'approved', by: 'pm-7' },
      ...extra,
    ],
  };
}

/** The real activities, with `name` failing on its first call matching `when` (for good, or on every attempt). */
function faulty(name: string, when: (args: Args) => boolean, retryable: boolean) {
  return <T>(activities: T): T => {
    let failures = 0;
    const limit = retryable ? ACTIVITY_MAX_ATTEMPTS : 1;
    const wrapped = { ...(activities as Activities) };
    const real = wrapped[name]!;
    wrapped[name] = async (...args: unknown[]) => {
      if (failures < limit && when(args[0] as Args)) {
        failures += 1;
        throw ApplicationFailure.create({
          type: retryable ? 'StoreDown' : 'InjectedFault',
          message: `injected fault in ${name}`,
          nonRetryable: !retryable,
        });
      }
      return await real(...args);
    };
    return wrapped as T;
  };
}

async function run(input: ScenarioInput, wrap?: ReturnType<typeof faulty>): Promise<SimulationResult> {
  let codes = 0;
  return await simulate(ScenarioSchema.parse(input), {
    env: suite.env,
    store: suite.store,
    promoCode: () => `PROMO-${++codes}`,
    keepRunning: true,
    ...(wrap ? { wrapActivities: wrap } : {}),
  });
}

async function status(workflowId: string): Promise<string> {
  return (await suite.env.client.workflow.getHandle(workflowId).describe()).status.name;
}

/** The partner workflow is still running (and its applications running or completed); then they are stopped. */
async function expectRunning(result: SimulationResult): Promise<void> {
  expect(await status(result.workflowId)).toBe('RUNNING');
  for (const id of result.applicationIds) expect(['RUNNING', 'COMPLETED']).toContain(await status(id));
  for (const id of [...result.applicationIds, result.workflowId]) {
    if ((await status(id)) === 'RUNNING') await suite.env.client.workflow.getHandle(id).terminate('test finished');
  }
}

/** What must end the same with and without the fault. */
function outcome(s: PartnerStatus, result: SimulationResult) {
  return {
    tier: s.tier,
    stage: s.stage,
    cancelled: s.cancelled,
    atRisk: s.atRisk,
    application: s.application ?? null,
    invoices: s.invoices.map((i) => `${i.membershipYear} ${i.total}`),
    openCases: s.openCases.length,
    incidents: s.incidents,
    tierChanges: result.timeline
      .filter((e) => e.type === 'tier-changed')
      .map((e) => `${e.on} ${String(e.from)}→${String(e.to)} ${String(e.reason)}`),
  };
}

let baseline: ReturnType<typeof outcome>;
beforeAll(async () => {
  const result = await run(scenario());
  baseline = outcome(result.finalStatus, result);
  await expectRunning(result);
});

test('the fault-free run: Premier on 2020-04-20, nothing open', () => {
  expect(baseline).toMatchObject({
    tier: 'premier',
    application: null,
    incidents: [],
    tierChanges: ['2020-04-20 advanced→premier upgrade-approved'],
  });
});

const retry = (on: string): Event => ({ on, type: 'resolve-incidents', action: 'retry', by: 'ops' });

// Each site: the activity, which of its calls fails, the incident's step, and what clears it.
const SITES: [site: string, activity: string, when: (a: Args) => boolean, step: string, fixes: Event[]][] = [
  [
    'the sustained check (evaluatePartner for Premier)',
    'evaluatePartner',
    (a) => a.targetTier === 'premier',
    'application',
    [retry('2019-10-06')],
  ],
  [
    'the EBR row (recordApplication with its window)',
    'recordApplication',
    (a) => a.ebrWindow !== undefined,
    'application',
    [retry('2020-04-02')],
  ],
  [
    'the EBR notice (notify ebr-scheduled)',
    'notify',
    (a) => a.kind === 'ebr-scheduled',
    'application',
    [retry('2020-04-02')],
  ],
  [
    'the apply command (recordApplication of the partner)',
    'recordApplication',
    (a) => a.submittedOn === '2019-10-05' && a.ebrWindow === undefined && a.status === 'in-progress',
    'command',
    [
      { on: '2019-10-06', type: 'apply-upgrade', targetTier: 'premier' },
      { on: '2019-10-07', type: 'resolve-incidents', action: 'dismiss', by: 'ops' },
    ],
  ],
];

describe.each(SITES)('a non-retryable failure of %s', (_site, activity, when, step, fixes) => {
  test(`keeps the partner running with a ${step} incident visible`, async () => {
    const result = await run(scenario(), faulty(activity, when, false));
    expect(result.finalStatus.stage).toBe('needs-attention');
    expect(result.finalStatus.incidents).toEqual([
      expect.objectContaining({ step, activity, reason: `injected fault in ${activity}` }),
    ]);
    expect(result.finalStatus.tier).toBe('advanced');
    await expectRunning(result);
  });

  test('once cleared, the partner ends Premier as in the fault-free run', async () => {
    const result = await run(scenario(fixes), faulty(activity, when, false));
    expect(outcome(result.finalStatus, result)).toEqual(baseline);
    await expectRunning(result);
  });
});

// Retryable failures back off (business time the test server skips) and surface after the last attempt. The command
// site is left out: the test server skips no time while a client waits for an Update.
describe.each(SITES.filter(([, , , step]) => step !== 'command'))(
  '%s failing on every attempt',
  (_site, activity, when, step, fixes) => {
    test(`surfaces a ${step} incident after ${ACTIVITY_MAX_ATTEMPTS} attempts; retried, the partner ends Premier as without it`, async () => {
      const result = await run(scenario(fixes), faulty(activity, when, true));
      expect(result.timeline.filter((e) => e.type === 'incident-opened')).toEqual([
        expect.objectContaining({ step, activity, attempt: ACTIVITY_MAX_ATTEMPTS }),
      ]);
      expect(outcome(result.finalStatus, result)).toEqual(baseline);
      await expectRunning(result);
    });
  },
);
