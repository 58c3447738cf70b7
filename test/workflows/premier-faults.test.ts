/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Fault injection on the Premier path (issue #10, Tests): an activity of an Advanced partner's Premier application
 * (its sustained checks, its EBR scheduling) or of the partner's apply command fails — for good, or on every attempt —
 * and the partner workflow keeps running with the incident visible; once the fault clears and the operator retries
 * (or, for a command, sends it again and dismisses the incident) the partner ends Premier exactly as without the fault.
 */
import type { ScenarioInput } from '../../src/simulation/scenario';
import { consultingEvidence } from '../support/evidence';
import { describeFaultSites, premierApplicant, retry, type Event, type FaultSite } from '../support/faults';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
/** Six sustained months from 2019-10-05, readiness in November, the Q1 2020 EBR approves Premier on 2020-04-20. */
const scenario = (extra: Event[] = []): ScenarioInput =>
  premierApplicant(
    'premfault',
    '2020-04-25',
    [
      { on: '2019-12-20', type: 'pay-fee', amount: 2500 },
      { on: '2020-04-20', type: 'ebr-outcome', outcome: 'approved', by: 'pm-7' },
      ...extra,
    ],
    [{ on: '2020-03-01', set: consultingEvidence('premier', '2020-02-15') }],
  );

const SITES: FaultSite[] = [
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

describeFaultSites(suite, scenario, SITES, {
  ends: 'Premier',
  faultFree: (b) => {
    expect(b).toMatchObject({
      tier: 'premier',
      application: null,
      incidents: [],
      tierChanges: ['2020-04-20 advanced→premier upgrade-approved'],
    });
  },
  whileOpen: (s) => expect(s.tier).toBe('advanced'),
});
