/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * R-ADVANCE-PAY on the time-skipping server, through `simulate()` (the real workflows, activities and the payment
 * desk the API uses): a member account's fee goes to its organization's management account, whose Advance Pay
 * balance does not cover the invoice when it falls due; funds arriving during the 90 days of grace pay it — or not.
 */
import { consultingEvidence } from '../support/evidence';
import { timeSkippingSuite } from '../support/temporal';
import { simulate, type TimelineEntry } from '../../src/simulation/run';
import { ScenarioSchema, type ScenarioInput } from '../../src/simulation/scenario';

const suite = timeSkippingSuite();
let seq = 0;

const ofType = (timeline: TimelineEntry[], type: string) => timeline.filter((e) => e.type === type);

/** A Select partner whose fee account belongs to a reseller organization funded with $1,000 (short of $2,500). */
function funded(events: (payer: string) => ScenarioInput['events']): {
  input: ScenarioInput;
  payer: string;
  member: string;
} {
  seq += 1;
  const stamp = `${Date.now() % 1_000_000}`.padStart(6, '0');
  const payer = `71${stamp}${String(seq).padStart(4, '0')}`;
  const member = `72${stamp}${String(seq).padStart(4, '0')}`;
  return {
    payer,
    member,
    input: {
      partner: {
        id: `ap${seq}-${Date.now().toString(36)}`,
        name: `Advance Pay ${seq}`,
        track: 'consulting',
        tier: 'select',
        renewalDate: '12-15',
        country: 'US',
        feeAccountId: member,
      },
      start: '2019-12-01',
      until: '2020-04-01',
      evidence: [{ on: '2019-12-01', set: consultingEvidence('select', '2019-11-01') }],
      billing: {
        organizations: [
          { id: `o-ap-${seq}-${stamp}`, managementAccountId: payer, memberAccountIds: [member], reseller: true },
        ],
        advancePay: [{ accountId: payer, amount: 1000, method: 'eft' }],
      },
      events: events(payer),
    },
  };
}

async function run(input: ScenarioInput) {
  let codes = 0;
  return simulate(ScenarioSchema.parse(input), {
    env: suite.env,
    store: suite.store,
    promoCode: () => `PROMO-${++codes}`,
  });
}

test('R-ADVANCE-PAY: not covered at the due date, funded on day 40 of grace → paid from the balance, no downgrade, one promo code', async () => {
  // Invoiced 2019-12-15; day 40 of grace is 2020-01-24.
  const { input, payer, member } = funded((accountId) => [
    { on: '2020-01-24', type: 'fund-advance-pay', accountId, amount: 1500, method: 'us-bank-transfer' },
  ]);
  const { timeline, finalStatus } = await run(input);
  const partnerId = input.partner.id;

  expect(ofType(timeline, 'fee-invoiced')).toEqual([
    expect.objectContaining({ on: '2019-12-15', amount: 2500, payerAccountId: payer, feeAccountId: member }),
  ]);
  // Not covered when due: the payer was told, nothing was applied.
  const insufficient = (await suite.store.listNotifications(partnerId)).filter(
    (n) => n.kind === 'advance-pay-insufficient',
  );
  expect(insufficient).toHaveLength(1);
  expect(ofType(timeline, 'advance-pay-funded').map((e) => [e.on, e.amount, e.balance])).toEqual([
    ['2019-12-01', 1000, 1000],
    ['2020-01-24', 1500, 0],
  ]);
  expect(ofType(timeline, 'fee-paid')).toEqual([
    expect.objectContaining({ on: '2020-01-24', method: 'advance-pay', total: 2500 }),
  ]);
  expect(ofType(timeline, 'promo-credit-sent')).toEqual([expect.objectContaining({ on: '2020-01-24' })]);
  expect(ofType(timeline, 'fee-reminder').map((e) => e.day)).toEqual([30]);
  expect(ofType(timeline, 'at-risk')).toEqual([]);
  expect(ofType(timeline, 'tier-changed')).toEqual([]);
  expect(finalStatus).toMatchObject({ tier: 'select', atRisk: false });

  const promos = (await suite.store.listNotifications(partnerId)).filter((n) => n.kind === 'promo-credit-code');
  expect(promos).toHaveLength(1);
  expect((await suite.store.getAdvancePay(payer))?.balance).toBe(0);
  expect(await suite.store.payments.listForPartner(partnerId)).toEqual([
    expect.objectContaining({
      method: 'advance-pay',
      status: 'succeeded',
      amountCents: 250_000,
      settledOn: '2020-01-24',
    }),
  ]);
  expect((await suite.store.listInvoices(partnerId)).map((i) => [i.status, i.paidVia])).toEqual([
    ['paid', 'advance-pay'],
  ]);
}, 300_000);

test('R-ADVANCE-PAY: funds on day 40 that still fall short pay nothing; day 90 puts the partner at risk', async () => {
  const { input, payer } = funded((accountId) => [
    { on: '2020-01-24', type: 'fund-advance-pay', accountId, amount: 1000, method: 'eft' },
  ]);
  const { timeline, finalStatus } = await run(input);

  expect(ofType(timeline, 'advance-pay-funded').map((e) => e.balance)).toEqual([1000, 2000]);
  expect(ofType(timeline, 'fee-paid')).toEqual([]);
  expect(ofType(timeline, 'promo-credit-sent')).toEqual([]);
  expect(ofType(timeline, 'at-risk')).toEqual([expect.objectContaining({ on: '2020-03-14', reason: 'fee-unpaid' })]);
  expect(ofType(timeline, 'case-opened')).toEqual([expect.objectContaining({ reason: 'fee-unpaid' })]);
  expect(finalStatus).toMatchObject({ atRisk: true });
  expect((await suite.store.getAdvancePay(payer))?.balance).toBe(2000);
  expect(await suite.store.payments.listForPartner(input.partner.id)).toEqual([]);
}, 300_000);
