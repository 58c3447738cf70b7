/** `apn simulate`: the CLI replays a scenario on the time-skipping server and prints its timeline as JSON. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const apn = (...args: string[]) =>
  run('node', [join(root, 'bin', 'apn.js'), ...args], { cwd: root, maxBuffer: 32 << 20 });

test('the example two-year scenario prints a JSON timeline: Premier through the Q3 EBR, then cancellation', async () => {
  const { stdout } = await apn('simulate', 'examples/premier-two-years.json');
  const timeline = JSON.parse(stdout) as { on: string; type: string; [k: string]: unknown }[];
  const dates = timeline.map((e) => e.on);
  expect(dates).toEqual([...dates].sort());
  const changes = timeline.filter((e) => e.type === 'tier-changed').map((e) => `${e.on} ${String(e.to)}`);
  expect(changes).toEqual(['2019-10-20 premier', '2020-03-01 registered']);
  expect(timeline.filter((e) => e.type === 'fee-invoiced')).toEqual([
    expect.objectContaining({
      on: '2019-12-15',
      amount: 2500,
      payerAccountId: '123456789012',
      feeAccountId: '123456789012',
    }),
  ]);
  expect(timeline).toContainEqual(
    expect.objectContaining({ on: '2019-12-15', type: 'compliance-review', compliant: true }),
  );
});

test('an invalid scenario exits 2 and lists every problem with its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apn-sim-'));
  const file = join(dir, 'bad.json');
  writeFileSync(
    file,
    JSON.stringify({
      partner: { id: 'Bad Id', name: 'X', track: 'technology', tier: 'premier', renewalDate: '02-30', country: 'XX' },
      start: '2019-01-01',
      until: '2018-01-01',
      events: [{ on: '2019-13-01', type: 'fly-to-moon' }],
    }),
  );
  const failure = await apn('simulate', file).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  expect(failure?.code).toBe(2);
  const stderr = failure?.stderr ?? '';
  for (const path of ['partner.id', 'partner.tier', 'partner.renewalDate', 'partner.country', 'events[0].type']) {
    expect(stderr).toContain(`${path}:`);
  }

  // Cross-field rules run once every field is valid on its own.
  const partner = { id: 'ok', name: 'X', track: 'consulting', tier: 'select', renewalDate: '12-15', country: 'US' };
  writeFileSync(
    file,
    JSON.stringify({ partner: { ...partner, feeAccountId: '123456789012' }, start: '2019-01-01', until: '2018-01-01' }),
  );
  const second = await apn('simulate', file).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  expect(second?.code).toBe(2);
  expect(second?.stderr).toContain('until: until must be after start');
});

test('R-FEE: a scenario with a partner at Select or above and no fee account is refused as a whole (exit 2)', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'apn-sim-')), 'no-fee-account.json');
  const partner = { id: 'ok', name: 'X', track: 'consulting', tier: 'select', renewalDate: '12-15', country: 'LU' };
  writeFileSync(file, JSON.stringify({ partner, start: '2019-12-01', until: '2019-12-20' }));
  const failure = await apn('simulate', file).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  expect(failure?.code).toBe(2);
  expect(failure?.stderr).toMatch(/partner\.feeAccountId: a partner at select or above needs feeAccountId/);
  expect(failure?.stderr).not.toContain('partner.country');
});

test('R-ADVANCE-PAY: the reseller example runs the fee from invoice to promo code with nobody recording a payment', async () => {
  const scenario = JSON.parse(readFileSync(join(root, 'examples/reseller-advance-pay.json'), 'utf8')) as {
    events: { type: string }[];
  };
  expect(scenario.events.map((e) => e.type)).not.toContain('pay-fee');
  const { stdout } = await apn('simulate', 'examples/reseller-advance-pay.json');
  const timeline = JSON.parse(stdout) as { on: string; type: string; [k: string]: unknown }[];
  const story = timeline
    .filter((e) => ['fee-invoiced', 'advance-pay-funded', 'fee-paid', 'promo-credit-sent', 'at-risk'].includes(e.type))
    .map((e) => `${e.on} ${e.type}${e.type === 'fee-paid' ? ` ${String(e.method)}` : ''}`);
  expect(story).toEqual([
    '2019-12-01 advance-pay-funded',
    '2019-12-15 fee-invoiced',
    '2020-01-24 advance-pay-funded',
    '2020-01-24 fee-paid advance-pay',
    '2020-01-24 promo-credit-sent',
  ]);
  expect(timeline.find((e) => e.type === 'fee-invoiced')).toMatchObject({
    payerAccountId: '111111111111',
    feeAccountId: '123456789012',
  });
});

test('a scenario with a bad billing block or fund-advance-pay event exits 2 naming each problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apn-sim-'));
  const file = join(dir, 'bad-billing.json');
  writeFileSync(
    file,
    JSON.stringify({
      partner: { id: 'ok', name: 'X', track: 'consulting', tier: 'select', renewalDate: '12-15', country: 'US' },
      start: '2019-12-01',
      until: '2020-04-01',
      billing: {
        organizations: [
          { id: 'o-a', managementAccountId: '111111111111', memberAccountIds: ['123456789012'] },
          { id: 'o-b', managementAccountId: '222222222222', memberAccountIds: ['123456789012'] },
        ],
        advancePay: [{ accountId: '1111', amount: 10.001, method: 'cheque' }],
      },
      events: [{ on: '2020-01-24', type: 'fund-advance-pay', accountId: '111111111111', amount: -5, method: 'eft' }],
    }),
  );
  const failure = await apn('simulate', file).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  expect(failure?.code).toBe(2);
  const stderr = failure?.stderr ?? '';
  for (const path of [
    'partner.feeAccountId',
    'billing.advancePay[0].accountId',
    'billing.advancePay[0].amount',
    'billing.advancePay[0].method',
    'events[0].amount',
  ]) {
    expect(stderr).toContain(`${path}:`);
  }
});

test('an account in two organizations of the billing block is refused with its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apn-sim-'));
  const file = join(dir, 'two-orgs.json');
  writeFileSync(
    file,
    JSON.stringify({
      partner: {
        id: 'ok',
        name: 'X',
        track: 'consulting',
        tier: 'select',
        renewalDate: '12-15',
        country: 'US',
        feeAccountId: '123456789012',
      },
      start: '2019-12-01',
      until: '2020-04-01',
      billing: {
        organizations: [
          { id: 'o-a', managementAccountId: '111111111111', memberAccountIds: ['123456789012'] },
          { id: 'o-b', managementAccountId: '222222222222', memberAccountIds: ['123456789012'] },
        ],
      },
    }),
  );
  const failure = await apn('simulate', file).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  expect(failure?.code).toBe(2);
  expect(failure?.stderr).toContain(
    'billing.organizations[1].memberAccountIds[0]: account 123456789012 is already in organization o-a',
  );
});
