/**
 * Fault injection for the workflow fault tests (issue #10, Tests): real activities with one failing at a chosen call,
 * a simulation run with them, and the checks that the partner workflow kept running.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { simulate, type SimulationResult } from '../../src/simulation/run';
import { ScenarioSchema, type ScenarioInput } from '../../src/simulation/scenario';
import type { Store } from '../../src/store';
import { ACTIVITY_MAX_ATTEMPTS } from '../../src/workflows/common';
import type { PartnerStatus } from '../../src/workflows/types';
import { consultingEvidence } from './evidence';

export type Event = ScenarioInput['events'] extends (infer E)[] | undefined ? E : never;
export type Args = Record<string, unknown>;
type Activities = Record<string, (...args: unknown[]) => Promise<unknown>>;
interface Suite {
  readonly env: TestWorkflowEnvironment;
  readonly store: Store;
}

/** The real activities, with `name` failing on its first call matching `when` (for good, or on every attempt). */
export function faulty(name: string, when: (args: Args) => boolean, retryable: boolean) {
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

/** Simulates `input` on the suite's server, the workflows left running, with the activities `wrap`ped. */
export async function runScenario(
  suite: Suite,
  input: ScenarioInput,
  wrap?: ReturnType<typeof faulty>,
): Promise<SimulationResult> {
  let codes = 0;
  return await simulate(ScenarioSchema.parse(input), {
    env: suite.env,
    store: suite.store,
    promoCode: () => `PROMO-${++codes}`,
    keepRunning: true,
    ...(wrap ? { wrapActivities: wrap } : {}),
  });
}

/** The partner workflow is still running (and its applications running or completed). */
export async function expectRunning(suite: Suite, result: SimulationResult): Promise<void> {
  expect(await status(suite, result.workflowId)).toBe('RUNNING');
  for (const id of result.applicationIds) expect(['RUNNING', 'COMPLETED']).toContain(await status(suite, id));
}

async function status(suite: Suite, workflowId: string): Promise<string> {
  return (await suite.env.client.workflow.getHandle(workflowId).describe()).status.name;
}

/**
 * Simulates `input` and checks what it left; the workflows it left running are stopped whatever the check found: one
 * left running with no worker holds the time-skipping server's clock, and every later simulation on it stalls.
 */
export async function checkRun(
  suite: Suite,
  input: ScenarioInput,
  wrap: ReturnType<typeof faulty> | undefined,
  check: (result: SimulationResult) => Promise<void> | void,
): Promise<void> {
  const result = await runScenario(suite, input, wrap);
  try {
    await check(result);
  } finally {
    for (const id of [...result.applicationIds, result.workflowId]) {
      if ((await status(suite, id)) === 'RUNNING')
        await suite.env.client.workflow.getHandle(id).terminate('test finished');
    }
  }
}

export type Outcome = ReturnType<typeof outcome>;

/** What must end the same with and without a fault. */
export function outcome(s: PartnerStatus, result: SimulationResult) {
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

/** The operator retries every open incident on `on`. */
export const retry = (on: string): Event => ({ on, type: 'resolve-incidents', action: 'retry', by: 'ops' });

/** A fault site: its name, the activity, which of its calls fails, the incident's step, and what clears it. */
export type FaultSite = [site: string, activity: string, when: (a: Args) => boolean, step: string, fixes: Event[]];

/**
 * For each site, a non-retryable failure (and, for a step of the workflows' own, one on every attempt): the partner
 * keeps running with the incident visible (and `whileOpen` holds), and once cleared ends as the fault-free run (which
 * `faultFree` checks) — "the partner ends `ends`". Command sites are not failed on every attempt: the test server skips no time while a client
 * waits for an Update, so the backoff would run in real time.
 */
export function describeFaultSites(
  suite: Suite,
  scenario: (extra?: Event[]) => ScenarioInput,
  sites: FaultSite[],
  options: {
    ends: string;
    faultFree: (b: Outcome) => void;
    whileOpen?: (s: PartnerStatus) => void;
    /** The partner's stage while an incident of a step is open, by step (default: needs-attention). */
    stageWhileOpen?: Partial<Record<string, PartnerStatus['stage']>>;
    /** What must match the fault-free run (default: the whole outcome). */
    same?: (o: Outcome) => unknown;
  },
): void {
  const { ends, faultFree, whileOpen, stageWhileOpen = {}, same = (o: Outcome) => o } = options;
  let faultFreeOutcome: Outcome;
  const baseline = () => faultFreeOutcome;
  beforeAll(async () => {
    await checkRun(suite, scenario(), undefined, async (result) => {
      faultFreeOutcome = outcome(result.finalStatus, result);
      await expectRunning(suite, result);
    });
  });
  test(`the fault-free run ends ${ends}`, () => faultFree(faultFreeOutcome));

  const run = (input: ScenarioInput, wrap: ReturnType<typeof faulty>, check: (r: SimulationResult) => Promise<void>) =>
    checkRun(suite, input, wrap, check);
  describe.each(sites)('a non-retryable failure of %s', (_site, activity, when, step, fixes) => {
    test(`keeps the partner running with a ${step} incident visible`, async () => {
      await run(scenario(), faulty(activity, when, false), async (result) => {
        expect(result.finalStatus.stage).toBe(stageWhileOpen[step] ?? 'needs-attention');
        expect(result.finalStatus.incidents).toEqual([
          expect.objectContaining({ step, activity, reason: `injected fault in ${activity}` }),
        ]);
        whileOpen?.(result.finalStatus);
        await expectRunning(suite, result);
      });
    });

    test(`once cleared, the partner ends ${ends} as in the fault-free run`, async () => {
      await run(scenario(fixes), faulty(activity, when, false), async (result) => {
        expect(same(outcome(result.finalStatus, result))).toEqual(same(baseline()));
        await expectRunning(suite, result);
      });
    });
  });

  describe.each(sites.filter(([, , , step]) => step !== 'command'))(
    '%s failing on every attempt',
    (_site, activity, when, step, fixes) => {
      test(`surfaces a ${step} incident after ${ACTIVITY_MAX_ATTEMPTS} attempts; retried, the partner ends ${ends} as without it`, async () => {
        await run(scenario(fixes), faulty(activity, when, true), async (result) => {
          expect(result.timeline.filter((e) => e.type === 'incident-opened')).toEqual([
            expect.objectContaining({ step, activity, attempt: ACTIVITY_MAX_ATTEMPTS }),
          ]);
          expect(same(outcome(result.finalStatus, result))).toEqual(same(baseline()));
          await expectRunning(suite, result);
        });
      });
    },
  );
}

let applicants = 0;
/**
 * An Advanced consulting partner meeting Premier from 2019-10-01 (renewal 12-15) that applies for Premier on
 * 2019-10-05, its readiness passed on 2019-11-20; then `events`, until `until`.
 */
export function premierApplicant(
  prefix: string,
  until: string,
  events: Event[],
  evidence: NonNullable<ScenarioInput['evidence']> = [],
): ScenarioInput {
  applicants += 1;
  return {
    partner: {
      id: `${prefix}${applicants}-${Date.now().toString(36)}`,
      name: `${prefix} ${applicants}`,
      track: 'consulting',
      tier: 'advanced',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
    },
    start: '2019-10-01',
    until,
    evidence: [{ on: '2019-10-01', set: consultingEvidence('premier', '2019-09-15') }, ...evidence],
    events: [
      { on: '2019-10-05', type: 'apply-upgrade', targetTier: 'premier' },
      { on: '2019-11-20', type: 'readiness-assessment', outcome: 'passed', by: 'pm-7' },
      ...events,
    ],
  };
}
