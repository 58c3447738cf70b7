/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * `apn reseller|invitations|usage|bills|billing-view` (R-RESELLER, 002) against a running API (the test harness, on a
 * real Temporal dev server, listening on a free port), as real processes through bin/apn.js: a reseller's whole
 * month — enrol from last month, invite and accept two customers, record their usage, close the month, pay the bill —
 * and the customers' invoices add up to it; a refusal exits 2 with the problem on stderr.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { startApiHarness, type ApiHarness } from '../api/harness';
import { partnerInput } from '../store/pg';

const root = resolve(__dirname, '../..');
const BUSINESS_DATE = '2019-10-02';
const RUN = Date.now().toString(36);

let h: ApiHarness;
let server: Server;
let api: string;
let token: string;

beforeAll(async () => {
  h = await startApiHarness({ businessDate: BUSINESS_DATE });
  server = await new Promise<Server>((ready) => {
    const s = h.app.listen(0, '127.0.0.1', () => ready(s));
  });
  const address = server.address();
  api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  token = (await h.auth('program-admin', 'admin-cli')).replace(/^Bearer /, '');
}, 300_000);
afterAll(async () => {
  await new Promise((done) => server?.close(done));
  await h?.teardown();
});

function apn(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'bin/apn.js'), ...args], {
      cwd: root,
      env: { ...process.env, APN_API_URL: api, APN_TOKEN: token },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', fail);
    child.once('close', (status) => done({ status, stdout, stderr }));
  });
}

async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const r = await apn(...args);
  expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: '' });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('R-RESELLER: a reseller month through the CLI — the customers are invoiced their shares of the paid bill', async () => {
  const partner = (await h.store.registerPartner(partnerInput({ id: `cli-reseller-${RUN}` }))).partner;
  const orgId = `cli-org-${RUN}`;
  const management = '410000000001';
  const [alpha, beta] = ['410000000002', '410000000003'];
  await h.store.createOrganization({
    id: orgId,
    name: 'CLI Reseller',
    managementAccountId: management,
    reseller: true,
    on: BUSINESS_DATE,
  });

  expect(
    await ok('reseller', 'enrol', orgId, '--partner', partner.id, '--discount', '3', '--from', '2019-09'),
  ).toMatchObject({ workflowId: `reseller-billing/${orgId}`, discountPercent: 3 });
  for (const customer of [alpha, beta]) {
    const invitation = await ok('invitations', 'create', orgId, customer);
    expect(invitation).toMatchObject({ status: 'invited', expiresOn: '2019-10-17' });
    expect(await ok('invitations', 'accept', String(invitation.id))).toMatchObject({ status: 'accepted' });
  }
  expect(
    await ok('usage', 'record', alpha, '2019-09', '--item', 'Amazon EC2=1000.01', '--item', 'Amazon S3=0.02'),
  ).toMatchObject({ total: 1000.03 });
  await ok('usage', 'record', beta, '2019-09', '--item', 'Amazon RDS=333.33');

  const bill = await ok('bills', 'close', orgId, '2019-09');
  expect(bill).toMatchObject({ status: 'issued', usage: 1333.36, payerAccountId: management });
  const paid = await ok('bills', 'pay', orgId, '2019-09', String(bill.total));
  const invoices = paid.invoices as { accountId: string; amount: number }[];
  expect(invoices.map((i) => i.accountId).sort()).toEqual([alpha, beta]);
  expect(Math.round(invoices.reduce((s, i) => s + i.amount * 100, 0))).toBe(Math.round((bill.total as number) * 100));

  const view = await ok('billing-view', alpha);
  expect(view).toMatchObject({
    billing: 'Reseller Billing by Partner (Consolidated Billing)',
    paysAws: false,
    payerAccountId: management,
    partnerId: partner.id,
    invoices: [expect.objectContaining({ month: '2019-09' })],
  });

  // Paying again is refused: exit 2, the problem on stderr.
  const again = await apn('bills', 'pay', orgId, '2019-09', '1');
  expect(again.status).toBe(2);
  expect(again.stdout).toBe('');
  expect(again.stderr).toMatch(/^409: the bill of 2019-09 is paid already/);
  const bad = await apn('usage', 'record', alpha, '2019-13', '--item', 'Amazon EC2=1');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/path\.month: /);
});
