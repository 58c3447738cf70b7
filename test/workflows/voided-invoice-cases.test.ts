/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The partner workflow (the shell around the membership machine) on the time-skipping server, for a rule the machine
 * changed: R-GRACE — a cancellation voids the unpaid invoice and closes its fee-unpaid case `cancelled` (the case
 * stayed open about an invoice that no longer existed).
 */
import { simulate } from '../../src/simulation/run';
import { ScenarioSchema } from '../../src/simulation/scenario';
import { consultingEvidence } from '../support/evidence';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();

test('R-GRACE: a cancellation closes the fee-unpaid case of the invoice it voids, cancelled', async () => {
  const scenario = ScenarioSchema.parse({
    partner: {
      id: `voided-${Date.now().toString(36)}`,
      name: 'Voided',
      track: 'consulting',
      tier: 'select',
      renewalDate: '06-01',
      country: 'US',
      feeAccountId: '123456789012',
    },
    start: '2019-05-01',
    until: '2019-10-15',
    evidence: [{ on: '2019-05-01', set: consultingEvidence('select', '2019-04-01') }],
    // The renewal fee of 2019-06-01 goes unpaid: day 90 opens a fee-unpaid case; then the partner cancels.
    events: [{ on: '2019-10-01', type: 'request-cancellation', by: 'lead' }],
  });
  const { timeline } = await simulate(scenario, { env: suite.env, store: suite.store, promoCode: () => 'PROMO' });
  const opened = timeline.find((e) => e.type === 'case-opened' && e.reason === 'fee-unpaid');
  expect(opened).toBeDefined();
  expect(timeline).toContainEqual(
    expect.objectContaining({ on: '2019-10-01', type: 'case-closed', caseId: opened!.caseId, outcome: 'cancelled' }),
  );
});
