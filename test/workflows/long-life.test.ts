/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Five simulated years on the time-skipping server: the partner workflow continues as new and keeps its state and
 * its open application; every run's history stays bounded. With RECORD_HISTORIES=<tag> the histories are written to
 * test/histories/ (replayed in CI by replay.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { msToNumber } from '@temporalio/common/lib/time';
import { PARTNER_WORKFLOW_TASK_TIMEOUT } from '../../src/api/lifecycle';
import { timeSkippingSuite } from '../support/temporal';
import { consultingEvidence } from '../support/evidence';
import { simulate } from '../../src/simulation/run';
import { ScenarioSchema } from '../../src/simulation/scenario';

type History = temporal.api.history.v1.IHistory;

const suite = timeSkippingSuite();

const THRESHOLD = 120;

/** Every run of a workflow from its first, following continue-as-new links. */
async function runsOf(workflowId: string, firstRunId: string): Promise<History[]> {
  const runs: History[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await suite.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(history);
    const last = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

test('given five years with a Premier application left open, when the workflow continues as new, then state and the application carry over and every run stays bounded', async () => {
  const years = [2019, 2020, 2021, 2022, 2023];
  const scenario = ScenarioSchema.parse({
    partner: {
      id: `longlife-${Date.now().toString(36)}`,
      name: 'Long Life Cloud',
      track: 'consulting',
      tier: 'advanced',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
    },
    start: '2019-01-01',
    until: '2024-01-31',
    // Refreshed each November before the year-old items leave the window, so every monthly check meets Premier and
    // the open application maintains it (R-PREMIER meet and maintain).
    evidence: [
      { on: '2019-01-01', set: consultingEvidence('premier', '2018-12-20') },
      ...years.map((y) => ({ on: `${y}-11-15`, set: consultingEvidence('premier', `${y}-11-10`) })),
    ],
    events: [
      { on: '2019-02-01', type: 'apply-upgrade', targetTier: 'premier' },
      ...years.map((y) => ({ on: `${y}-12-20`, type: 'pay-fee', amount: 2500 })),
    ],
  });
  const started = Date.now();
  const result = await simulate(scenario, {
    env: suite.env,
    store: suite.store,
    continueAsNewAfterEvents: THRESHOLD,
    keepRunning: true,
  });
  const elapsed = Date.now() - started;

  const status = result.finalStatus;
  expect(status.tier).toBe('advanced');
  expect(status.application).toEqual(expect.objectContaining({ number: 1, targetTier: 'premier' }));
  expect(result.openApplication?.stage).toBe('awaiting-readiness');
  expect(result.openApplication?.sustainedMonths).toBeGreaterThanOrEqual(6);
  // Meet and maintain: the open application went on checking every month of the five years.
  expect(result.timeline.filter((e) => e.type === 'sustained-check').length).toBeGreaterThanOrEqual(59);

  const reviews = result.timeline.filter((e) => e.type === 'compliance-review');
  expect(reviews.map((r) => `${r.on}:${String(r.compliant)}`)).toEqual(years.map((y) => `${y}-12-15:true`));
  expect(result.timeline.filter((e) => e.type === 'fee-paid')).toHaveLength(5);
  expect(result.timeline.filter((e) => e.type === 'monthly-check')).toHaveLength(61);
  expect(result.timeline.filter((e) => e.type === 'tier-changed')).toEqual([]);

  const runs = await runsOf(result.workflowId, result.firstRunId);
  const sizes = runs.map((h) => h.events?.length ?? 0);
  const workflowTasks = runs
    .flatMap((h) => h.events ?? [])
    .filter((e) => e.workflowTaskCompletedEventAttributes).length;
  expect(runs.length).toBeGreaterThan(3);
  // Every run's workflow tasks have the timeout the API started the first run with: continue-as-new keeps it.
  const taskTimeouts = runs.map((h) =>
    Number(h.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowTaskTimeout?.seconds ?? 0),
  );
  expect(taskTimeouts).toEqual(runs.map(() => msToNumber(PARTNER_WORKFLOW_TASK_TIMEOUT) / 1000));
  // The check runs between iterations: a run ends within one iteration (a month's work) past the threshold.
  expect(Math.max(...sizes)).toBeLessThanOrEqual(THRESHOLD + 60);
  process.stderr.write(
    `[long-life] runs=${runs.length} max events/run=${Math.max(...sizes)} sizes=${sizes.join(',')} ` +
      `workflow tasks/partner-year=${(workflowTasks / 5).toFixed(1)} simulate wall=${elapsed} ms\n`,
  );

  // RECORD_HISTORIES=<version tag> writes this version's histories beside the earlier ones (which stay, so every
  // version's histories keep replaying); RECORD_HISTORIES=1 rewrites the untagged first set.
  const tag = process.env.RECORD_HISTORIES;
  if (tag) {
    const suffix = tag === '1' ? '' : `-${tag}`;
    const dir = join(__dirname, '..', 'histories');
    mkdirSync(dir, { recursive: true });
    // Each file: the workflow id (child ids derive from it) and the history in proto3 JSON.
    const save = (file: string, workflowId: string, history: History) =>
      writeFileSync(
        join(dir, file),
        `{"workflowId":${JSON.stringify(workflowId)},"history":${historyToJSON(history)}}\n`,
      );
    save(`partner-lifecycle-run1${suffix}.json`, result.workflowId, runs[0]!);
    save(`partner-lifecycle-run2${suffix}.json`, result.workflowId, runs[1]!);
    // The run that issued the first renewal invoice (a later one): it carries the patches of the fee's path.
    const feeRun = runs.findIndex((h) =>
      (h.events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'issueFeeInvoice'),
    );
    if (feeRun > 1) save(`partner-lifecycle-fee-run${suffix}.json`, result.workflowId, runs[feeRun]!);
    const childId = status.application!.workflowId;
    save(
      `upgrade-application-open${suffix}.json`,
      childId,
      await suite.env.client.workflow.getHandle(childId).fetchHistory(),
    );
  }
  for (const id of [status.application!.workflowId, result.workflowId]) {
    await suite.env.client.workflow.getHandle(id).terminate('test finished');
  }
  // Five years of monthly checks in both workflows (the application meets and maintains Premier, R-PREMIER), each an
  // activity round trip on the test server: minutes on a loaded two-core machine.
}, 420_000);
