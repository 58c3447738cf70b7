/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * A failing upgrade application never leaves its partner stuck: an activity of the application workflow that fails
 * for good (a business refusal, or its retries exhausted) becomes an incident on the partner (stage needs-attention,
 * ApnNeedsAttention, listed in the partner view) while both workflows keep running; the operator's retry lets the
 * application go on to the decision a fault-free run reaches, and a dismissal closes it `withdrawn` so a new
 * application can be made. Fault injection on the time-skipping server.
 */
import { ApplicationFailure } from '@temporalio/common';
import { simulate, type SimulationResult, type TimelineEntry } from '../../src/simulation/run';
import { ScenarioSchema, type ScenarioInput } from '../../src/simulation/scenario';
import { ACTIVITY_MAX_ATTEMPTS } from '../../src/workflows/common';
import { ApnNeedsAttention } from '../../src/workflows/search-attributes';
import type { PartnerStatus } from '../../src/workflows/types';
import { consultingEvidence } from '../support/evidence';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
let seq = 0;

type Event = ScenarioInput['events'] extends (infer E)[] | undefined ? E : never;
type Activities = Record<string, (...args: unknown[]) => Promise<unknown>>;

/** A registered partner meeting Select applies for it on 2019-03-10 (the application evaluates as of that day). */
function scenario(extra: Event[] = [], from: 'registered' | 'select' = 'registered'): ScenarioInput {
  const target = from === 'registered' ? 'select' : 'advanced';
  seq += 1;
  return {
    partner: {
      id: `appinc${seq}-${Date.now().toString(36)}`,
      name: `Application incident ${seq}`,
      track: 'consulting',
      tier: from,
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
    },
    start: '2019-03-01',
    until: '2019-03-20',
    evidence: [{ on: '2019-03-01', set: consultingEvidence(target, '2019-02-01') }],
    events: [{ on: '2019-03-10', type: 'apply-upgrade', targetTier: target }, ...extra],
  };
}

/** Only the application evaluates for a target tier above the partner's: monthly checks name none, reviews their own. */
const byApplication = (args: unknown[]) =>
  ['select', 'advanced'].includes((args[0] as { targetTier?: string }).targetTier ?? '');

/** The real activities, with the application's evaluation failing for good the first `times` it is called. */
function refusing(times: number, retryable = false) {
  return <T>(activities: T): T => {
    let calls = 0;
    const wrapped = { ...(activities as Activities) };
    const real = wrapped.evaluatePartner!;
    wrapped.evaluatePartner = async (...args: unknown[]) => {
      if (byApplication(args) && calls < times) {
        calls += 1;
        throw ApplicationFailure.create({
          type: retryable ? 'StoreDown' : 'InvalidEvidence',
          message: `injected fault (call ${calls})`,
          nonRetryable: !retryable,
        });
      }
      return await real(...args);
    };
    return wrapped as T;
  };
}

async function run(input: ScenarioInput, wrap?: ReturnType<typeof refusing>): Promise<SimulationResult> {
  return await simulate(ScenarioSchema.parse(input), {
    env: suite.env,
    store: suite.store,
    promoCode: () => 'PROMO',
    keepRunning: true,
    ...(wrap ? { wrapActivities: wrap } : {}),
  });
}

async function status(workflowId: string): Promise<string> {
  return (await suite.env.client.workflow.getHandle(workflowId).describe()).status.name;
}

/** Every workflow of the run is still running (neither failed nor ended); then they are stopped. */
async function expectAllRunning(result: SimulationResult): Promise<void> {
  expect(await status(result.workflowId)).toBe('RUNNING');
  for (const id of result.applicationIds) expect(['RUNNING', 'COMPLETED']).toContain(await status(id));
  for (const id of [...result.applicationIds, result.workflowId]) {
    if ((await status(id)) === 'RUNNING') await suite.env.client.workflow.getHandle(id).terminate('test finished');
  }
}

const ofType = (timeline: TimelineEntry[], type: string) => timeline.filter((e) => e.type === type);

/** What must end the same with and without the fault (the decision's day moves to the retry's day). */
function outcome(s: PartnerStatus) {
  return {
    tier: s.tier,
    stage: s.stage,
    application: s.application ?? null,
    incidents: s.incidents,
    invoice: s.invoice ? { total: s.invoice.total, membershipYear: s.invoice.membershipYear } : null,
  };
}

let baseline: ReturnType<typeof outcome>;
beforeAll(async () => {
  const result = await run(scenario());
  await expectAllRunning(result);
  baseline = outcome(result.finalStatus);
});

test('the fault-free run: approved on 2019-03-10, Select, invoiced, no incident', () => {
  expect(baseline).toEqual({
    tier: 'select',
    stage: 'fee-grace',
    application: null,
    incidents: [],
    invoice: { total: 2500, membershipYear: expect.any(String) },
  });
});

test("R-UPGRADE: the application's evaluation refused for good opens an incident on the partner; both keep running", async () => {
  const result = await run(scenario(), refusing(1));
  const { finalStatus } = result;
  expect(finalStatus.stage).toBe('needs-attention');
  expect(finalStatus.tier).toBe('registered');
  expect(finalStatus.application).toMatchObject({ number: 1, targetTier: 'select' });
  expect(finalStatus.incidents).toEqual([
    expect.objectContaining({
      step: 'application',
      application: 1,
      on: '2019-03-10',
      activity: 'evaluatePartner',
      errorType: 'InvalidEvidence',
      reason: 'injected fault (call 1)',
    }),
  ]);
  expect(ofType(result.timeline, 'incident-opened')).toHaveLength(1);
  const description = await suite.env.client.workflow.getHandle(result.workflowId).describe();
  expect(description.typedSearchAttributes.get(ApnNeedsAttention)).toBe(true);
  expect(result.applicationIds).toHaveLength(1);
  expect(await status(result.applicationIds[0]!)).toBe('RUNNING');
  await expectAllRunning(result);
});

test("R-UPGRADE: once the fault clears, the operator's retry lets the application end where the fault-free run ends", async () => {
  const retry: Event = { on: '2019-03-12', type: 'resolve-incidents', action: 'retry', by: 'ops' };
  const result = await run(scenario([retry]), refusing(1));
  expect(outcome(result.finalStatus)).toEqual(baseline);
  expect(ofType(result.timeline, 'application-approved')).toEqual([
    expect.objectContaining({ on: '2019-03-12', targetTier: 'select' }),
  ]);
  expect(ofType(result.timeline, 'incident-resolved')).toEqual([
    expect.objectContaining({ step: 'application', action: 'retry', by: 'ops' }),
  ]);
  await expectAllRunning(result);
});

test('R-UPGRADE: a retry that fails again opens a new incident; the application still waits', async () => {
  const retry: Event = { on: '2019-03-12', type: 'resolve-incidents', action: 'retry', by: 'ops' };
  const result = await run(scenario([retry]), refusing(2));
  expect(result.finalStatus.incidents).toEqual([
    expect.objectContaining({ step: 'application', reason: 'injected fault (call 2)' }),
  ]);
  expect(result.finalStatus.application).toMatchObject({ number: 1 });
  await expectAllRunning(result);
});

test('R-UPGRADE: a dismissed application incident closes the application withdrawn, and a new one can be made', async () => {
  const events: Event[] = [
    { on: '2019-03-12', type: 'resolve-incidents', action: 'dismiss', by: 'ops' },
    { on: '2019-03-14', type: 'apply-upgrade', targetTier: 'select' },
  ];
  const result = await run(scenario(events), refusing(1));
  expect(ofType(result.timeline, 'application-closed')).toEqual([
    expect.objectContaining({ on: '2019-03-12', application: 1, outcome: 'withdrawn', by: 'ops' }),
  ]);
  expect(ofType(result.timeline, 'application-approved')).toEqual([
    expect.objectContaining({ on: '2019-03-14', application: 2 }),
  ]);
  expect(outcome(result.finalStatus)).toEqual(baseline);
  await expectAllRunning(result);
});

test(`R-UPGRADE: an application activity failing retryably gives up after ${ACTIVITY_MAX_ATTEMPTS} attempts into an incident`, async () => {
  const retry: Event = { on: '2019-03-12', type: 'resolve-incidents', action: 'retry', by: 'ops' };
  const result = await run(scenario([retry]), refusing(ACTIVITY_MAX_ATTEMPTS, true));
  expect(ofType(result.timeline, 'incident-opened')).toEqual([
    expect.objectContaining({
      step: 'application',
      activity: 'evaluatePartner',
      attempt: ACTIVITY_MAX_ATTEMPTS,
      reason: `injected fault (call ${ACTIVITY_MAX_ATTEMPTS})`,
    }),
  ]);
  expect(outcome(result.finalStatus)).toEqual(baseline);
  await expectAllRunning(result);
});

test('R-PREMIER: a cancellation while the application waits on its incident closes it withdrawn, and the incident with it', async () => {
  const cancel: Event = { on: '2019-03-12', type: 'request-cancellation', by: 'alliance-lead' };
  const result = await run(scenario([cancel], 'select'), refusing(1));
  expect(ofType(result.timeline, 'application-closed')).toEqual([
    expect.objectContaining({ on: '2019-03-12', application: 1, outcome: 'withdrawn' }),
  ]);
  expect(ofType(result.timeline, 'incident-resolved')).toEqual([
    expect.objectContaining({ step: 'application', action: 'closed', outcome: 'withdrawn' }),
  ]);
  expect(result.finalStatus).toMatchObject({ tier: 'registered', cancelled: true, incidents: [] });
  expect(result.finalStatus.application).toBeUndefined();
  await expectAllRunning(result);
});

test('R-CANCEL, R-PREMIER: cancelling a partner at registered tier withdraws its open application (the tier does not drop)', async () => {
  const cancel: Event = { on: '2019-03-12', type: 'request-cancellation', by: 'alliance-lead' };
  const result = await run(scenario([cancel], 'registered'), refusing(1));
  expect(ofType(result.timeline, 'tier-changed')).toEqual([]);
  expect(ofType(result.timeline, 'application-closed')).toEqual([
    expect.objectContaining({ on: '2019-03-12', application: 1, outcome: 'withdrawn' }),
  ]);
  expect(result.finalStatus).toMatchObject({ tier: 'registered', cancelled: true, incidents: [] });
  expect(result.finalStatus.application).toBeUndefined();
  await expectAllRunning(result);
});
