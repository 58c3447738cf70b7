/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Fault injection on a cancellation (issue #10, Tests; R-CANCEL, R-CASE, R-PREMIER withdrawal): an Advanced partner
 * with an open Premier application and an open fee invoice cancels, and one of the cancellation's activities fails —
 * the case opened, the tier change recorded, the invoices voided, the case closed (the partner's command), or the
 * open application's withdrawn close (its row, its timeline entry, its notice). The partner workflow keeps running
 * with the incident visible; once the fault clears and the operator retries the incident
 * (the cancellation's retry does only what is missing, as of the day it was asked) the partner ends exactly as in the
 * run without the fault — the same tier change on the same day, no case left open, no invoice left open.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { ScenarioInput } from '../../src/simulation/scenario';
import {
  checkRun,
  describeFaultSites,
  faulty,
  premierApplicant,
  retry,
  type Args,
  type Event,
  type FaultSite,
} from '../support/faults';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
/** The Premier applicant, its 2019-12-15 fee invoiced and unpaid, cancels on 2019-12-20. */
const scenario = (extra: Event[] = []): ScenarioInput =>
  premierApplicant('cancelfault', '2020-01-10', [
    { on: '2019-12-20', type: 'request-cancellation', by: 'alliance-lead' },
    ...extra,
  ]);

/** The operator retries the incident the day after the cancellation. */
const fix: Event[] = [retry('2019-12-21')];
const withdrawn = (a: Args) => a.status === 'withdrawn';
const closedEntry = (a: Args) =>
  (a.entries as { type: string; data: Args }[] | undefined)?.some(
    (e) => e.type === 'application-closed' && e.data.outcome === 'withdrawn',
  ) === true;

// Each site: the activity, which of its calls fails, the incident's step, and what clears it.
const SITES: FaultSite[] = [
  ['the case opened (openCase)', 'openCase', (a) => a.kind === 'cancellation', 'command', fix],
  [
    'the tier change (recordTierChange)',
    'recordTierChange',
    (a) => a.reason === 'cancellation-requested',
    'command',
    fix,
  ],
  ['the invoices voided (voidOpenInvoices)', 'voidOpenInvoices', () => true, 'command', fix],
  ['the case closed (closeCase)', 'closeCase', (a) => a.outcome === 'cancelled', 'command', fix],
  ["the application's withdrawn row (recordApplication)", 'recordApplication', withdrawn, 'application', fix],
  ["the application's withdrawn entry (appendJournal)", 'appendJournal', closedEntry, 'application', fix],
  [
    "the application's withdrawn notice (notify)",
    'notify',
    (a) => a.kind === 'application-withdrawn',
    'application',
    fix,
  ],
];

describeFaultSites(suite, scenario, SITES, {
  ends: 'cancelled',
  // A failed cancellation is under way, not cancelled yet (needs-attention); a cancelled partner's application step
  // that failed shows the partner cancelled (its incident in incidents).
  stageWhileOpen: { application: 'cancelled' },
  faultFree: (b) => {
    expect(b).toEqual({
      tier: 'registered',
      stage: 'cancelled',
      cancelled: true,
      atRisk: false,
      application: null,
      invoices: [],
      openCases: 0,
      incidents: [],
      tierChanges: ['2019-12-20 advanced→registered cancellation-requested'],
    });
  },
});

// A cancellation whose audit record failed once is finished by the retry (the 'cancel-finishable' branch). With
// RECORD_HISTORIES=<tag> (`npm run record:histories`) its history is kept for replay.test.ts to replay against every
// later version of the workflow.
const tag = process.env.RECORD_HISTORIES;
test('a cancellation whose audit record failed once is finished by its retry', async () => {
  const wrap = faulty('recordTierChange', (a) => a.reason === 'cancellation-requested', false);
  await checkRun(suite, scenario(fix), wrap, async (result) => {
    expect(result.finalStatus).toMatchObject({ cancelled: true, incidents: [], openCases: [] });
    if (!tag) return;
    const history = await suite.env.client.workflow.getHandle(result.workflowId).fetchHistory();
    const file = join(
      __dirname,
      '..',
      'histories',
      `partner-lifecycle-cancel-retry${tag === '1' ? '' : `-${tag}`}.json`,
    );
    writeFileSync(file, `{"workflowId":${JSON.stringify(result.workflowId)},"history":${historyToJSON(history)}}\n`);
  });
});
