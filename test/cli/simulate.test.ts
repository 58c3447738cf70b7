/** `apn simulate`: the CLI replays a scenario on the time-skipping server and prints its timeline as JSON. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
