/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Fault injection on a cancellation (issue #10, Tests; R-CANCEL, R-CASE, R-PREMIER withdrawal): an Advanced partner
 * with an open Premier application and an open fee invoice cancels, and one of the cancellation's activities fails —
 * the case opened, the tier change recorded, the invoices voided, the case closed (the partner's command), or the
 * open application's withdrawn close (its row, its timeline entry, its notice). The partner workflow keeps running
 * with the incident visible; once the fault clears and the operator answers (retry for an application step; for the
 * command, the cancellation sent again and the incident dismissed) the partner ends as in the run without the fault.
 */
import type { ScenarioInput } from '../../src/simulation/scenario';
import { describeFaultSites, premierApplicant, retry, type Args, type Event, type FaultSite } from '../support/faults';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
/** The Premier applicant, its 2019-12-15 fee invoiced and unpaid, cancels on 2019-12-20. */
const scenario = (extra: Event[] = []): ScenarioInput =>
  premierApplicant('cancelfault', '2020-01-10', [
    { on: '2019-12-20', type: 'request-cancellation', by: 'alliance-lead' },
    ...extra,
  ]);

/** The cancellation sent again once the fault cleared, then its incident dismissed. */
const resend: Event[] = [
  { on: '2019-12-21', type: 'request-cancellation', by: 'alliance-lead' },
  { on: '2019-12-22', type: 'resolve-incidents', action: 'dismiss', by: 'ops' },
];
const withdrawn = (a: Args) => a.status === 'withdrawn';
const closedEntry = (a: Args) =>
  (a.entries as { type: string; data: Args }[] | undefined)?.some(
    (e) => e.type === 'application-closed' && e.data.outcome === 'withdrawn',
  ) === true;

// Each site: the activity, which of its calls fails, the incident's step, and what clears it.
const SITES: FaultSite[] = [
  ['the case opened (openCase)', 'openCase', (a) => a.kind === 'cancellation', 'command', resend],
  [
    'the tier change (recordTierChange)',
    'recordTierChange',
    (a) => a.reason === 'cancellation-requested',
    'command',
    resend,
  ],
  ['the invoices voided (voidOpenInvoices)', 'voidOpenInvoices', () => true, 'command', resend],
  ['the case closed (closeCase)', 'closeCase', (a) => a.outcome === 'cancelled', 'command', resend],
  [
    "the application's withdrawn row (recordApplication)",
    'recordApplication',
    withdrawn,
    'application',
    [retry('2019-12-21')],
  ],
  [
    "the application's withdrawn entry (appendJournal)",
    'appendJournal',
    closedEntry,
    'application',
    [retry('2019-12-21')],
  ],
  [
    "the application's withdrawn notice (notify)",
    'notify',
    (a) => a.kind === 'application-withdrawn',
    'application',
    [retry('2019-12-21')],
  ],
];

describeFaultSites(suite, scenario, SITES, {
  ends: 'cancelled',
  // A cancellation sent again takes effect on the day it is sent.
  same: (o) => ({ ...o, tierChanges: o.tierChanges.map((t) => t.slice('2019-12-20 '.length)) }),
  faultFree: (b) => {
    expect(b).toEqual({
      tier: 'registered',
      stage: expect.any(String),
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
