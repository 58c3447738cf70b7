/**
 * Faults of the processes, end to end: `npm run worker` against a Temporal dev server on a SQLite file and a
 * PostgreSQL store, as a user starts it.
 *
 * 1. `kill -9` of the worker while one partner waits in its EBR window and another is being invoiced into its fee
 *    grace — with an activity caught half-way (its first write committed, the next one held on a table lock): a new
 *    worker carries every workflow on; each accepted command is applied once, nothing is invoiced, paid or notified
 *    twice.
 * 2. The dev server stopped and started again on the same SQLite file: every partner and its state are still there,
 *    and the next command works.
 *
 * Business time is 2019-10-02, inside the Q3 2019 EBR window (R-EBR); no calendar step falls due during the suite.
 */
import request from 'supertest';
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import type { Engine } from '../../src/platform/engine';
import type { PartnerStatus } from '../../src/workflows/types';
import { consultingEvidence } from '../support/evidence';
import {
  auth,
  DevServer,
  EngineProcess,
  engineEnv,
  eventually,
  inTestApi,
  offsetTo,
  sqlClient,
  stopAll,
  tempDir,
  testDatabase,
} from './support';

jest.setTimeout(300_000);

const suffix = Date.now().toString(36);
const EBR = `ebr-${suffix}`;
const FEE = `fee-${suffix}`;
const FEE_ACCOUNT = '123456789012';
const WORKER_READY = /"msg":"worker running"/;

let server: DevServer;
let databaseUrl: string;
let api: Engine;
let sql: Awaited<ReturnType<typeof sqlClient>>;
/** Holds locks in its own transaction (pg_stat_activity read inside a transaction is a snapshot: not on `sql`). */
let locker: Awaited<ReturnType<typeof sqlClient>>;
let env: Record<string, string>;
let worker: EngineProcess;

beforeAll(async () => {
  const dir = tempDir('faults-worker');
  const taskQueue = `faults-${suffix}`;
  [server, databaseUrl] = await Promise.all([DevServer.start(`${dir}/temporal.sqlite`), testDatabase()]);
  env = engineEnv({ address: server.address, taskQueue, databaseUrl, dataDir: dir });
  worker = EngineProcess.start('worker', env, 'worker A');
  [api, sql, locker] = await Promise.all([
    inTestApi({
      address: server.address,
      taskQueue,
      databaseUrl,
      offsetMs: offsetTo('2019-10-02T12:00:00Z'),
      callTimeoutMs: 5_000,
    }),
    sqlClient(databaseUrl),
    sqlClient(databaseUrl),
  ]);
  await worker.ready(WORKER_READY);
});

afterAll(stopAll);

const app = () => api.api!.app;

async function register(id: string, tier: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await request(app())
    .post('/v1/partners')
    .set('Authorization', await auth('program-admin', 'admin-1'))
    .send({
      id,
      name: `Fault ${id}`,
      track: 'consulting',
      tier,
      renewalDate: '12-15',
      country: 'US',
      allianceLeadId: `lead@${id}`,
      partnerManagerIds: ['pm-7'],
      ...extra,
    });
  expect([res.status, res.text]).toEqual([201, expect.any(String)]);
  const evidence = mergeEvidence(
    emptyEvidence('consulting'),
    consultingEvidence(tier === 'registered' ? 'select' : 'premier', '2019-03-15', id),
  );
  const put = await request(app())
    .put(`/v1/partners/${id}/evidence`)
    .set('Authorization', await auth('evidence-feed', 'feed'))
    .send(evidence);
  expect(put.status).toBe(200);
}

async function lifecycleOf(id: string): Promise<PartnerStatus | undefined> {
  return await api.lifecycle.status(id, { timeoutMs: 3_000 });
}

async function stageOf(id: string): Promise<string | undefined> {
  const res = await request(app())
    .get(`/v1/partners/${id}/upgrade-applications/1`)
    .set('Authorization', await auth('partner-manager', 'pm-7'));
  return res.status === 200 ? (res.body as { stage: string }).stage : undefined;
}

function expectUnavailable(res: request.Response): void {
  expect([res.status, res.headers['content-type']]).toEqual([
    503,
    expect.stringMatching(/^application\/problem\+json/),
  ]);
  expect(res.body).toMatchObject({ status: 503, type: expect.stringMatching(/^urn:apn:problem:/) });
  expect(res.headers['retry-after']).toBeDefined();
}

async function count(query: string, params: unknown[]): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`select count(*)::int as n from ${query}`, params);
  return rows[0]!.n;
}

/** Journal entries of `partnerId` by type. */
async function journalTypes(partnerId: string): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ type: string; n: number }>(
    'select type, count(*)::int as n from journal where partner_id = $1 group by type',
    [partnerId],
  );
  return Object.fromEntries(rows.map((r) => [r.type, r.n]));
}

test('kill -9 of the worker mid-activity, one partner in its EBR window and one being invoiced: a new worker carries both on, every accepted command applied once, nothing invoiced or notified twice', async () => {
  const pm = await auth('partner-manager', 'pm-7');
  // Given a partner waiting in its EBR window (Premier application, readiness passed) …
  await register(EBR, 'advanced', { feeAccountId: '210987654321', lookBackFrom: '2019-04-01' });
  const premier = await request(app())
    .post(`/v1/partners/${EBR}/upgrade-applications`)
    .set('Authorization', await auth('alliance-lead', `lead@${EBR}`, EBR))
    .send({ targetTier: 'premier', feeAccountId: '210987654321' });
  expect(premier.status).toBe(202);
  await eventually(async () => ((await stageOf(EBR)) === 'awaiting-readiness' ? true : undefined), 'readiness');
  const ready = await request(app())
    .post(`/v1/partners/${EBR}/upgrade-applications/1/readiness-assessment`)
    .set('Authorization', pm)
    .send({ outcome: 'passed' });
  expect(ready.status).toBe(200);
  await eventually(async () => ((await stageOf(EBR)) === 'scheduled-for-ebr' ? true : undefined), 'the EBR window');

  // … and a registered partner whose payer is on Advance Pay with no balance (the invoice activity then also queues
  // an "insufficient balance" notification: a second write after the invoice).
  await register(FEE, 'registered', { feeAccountId: FEE_ACCOUNT });
  const enrolled = await request(app())
    .post(`/v1/advance-pay/${FEE_ACCOUNT}`)
    .set('Authorization', await auth('program-admin', 'admin-1'))
    .send({});
  expect([200, 201]).toContain(enrolled.status);

  // When the payer's Advance Pay account is locked here, the Select application is accepted and approved, and its
  // fee invoice written — and the same activity then waits on the lock to try Advance Pay, half-way …
  await locker.query('begin');
  await locker.query('select * from advance_pay_accounts where payer_account_id = $1 for update', [FEE_ACCOUNT]);
  const applied = await request(app())
    .post(`/v1/partners/${FEE}/upgrade-applications`)
    .set('Authorization', await auth('alliance-lead', `lead@${FEE}`, FEE))
    .set('Idempotency-Key', 'fee-apply')
    .send({ targetTier: 'select', feeAccountId: FEE_ACCOUNT });
  expect(applied.status).toBe(202);
  // … while the Partner Manager records the EBR outcome (answered by the workflow, or 503 if it could not answer).
  const outcome = request(app())
    .post(`/v1/partners/${EBR}/upgrade-applications/1/ebr-outcome`)
    .set('Authorization', pm)
    .set('Idempotency-Key', 'ebr-approved')
    .send({ outcome: 'approved', notes: 'well prepared' })
    .then((res) => res);
  const client = api.client;
  await eventually(
    async () => {
      const blocked = await count(
        `pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%from "advance_pay_accounts"%for update%'`,
        [],
      );
      const invoices = await count('invoices where partner_id = $1', [FEE]);
      return blocked > 0 && invoices === 1 ? true : undefined;
    },
    'the invoice written and the next write held on the lock',
    60_000,
    async () => {
      const { rows } = await sql.query(
        `select wait_event_type, state, left(query, 100) as q from pg_stat_activity where datname = current_database()`,
      );
      const invoices = await sql.query('select * from invoices');
      const journal = await sql.query('select type, data from journal where partner_id = $1', [FEE]);
      const accounts = await sql.query('select * from advance_pay_accounts');
      return [rows, invoices.rows, journal.rows, accounts.rows, await lifecycleOf(FEE)]
        .map((x) => JSON.stringify(x))
        .join('\n');
    },
  );
  await eventually(async () => {
    const history = await client.workflow.getHandle(`partner/${EBR}/application/1`).fetchHistory();
    const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    return accepted.length >= 2 ? true : undefined;
  }, 'the EBR outcome Update to be accepted');

  // When the worker is killed outright, and the lock is released afterwards (the dead worker's held insert commits).
  await worker.kill9();
  await locker.query('rollback');
  const firstAnswer = await outcome;
  expect([200, 503]).toContain(firstAnswer.status);
  worker = EngineProcess.start('worker', env, 'worker B');
  await worker.ready(WORKER_READY);

  // Then the EBR outcome, sent again with its key, answers as applied once; the partner is Premier.
  const again = await eventually(async () => {
    const res = await request(app())
      .post(`/v1/partners/${EBR}/upgrade-applications/1/ebr-outcome`)
      .set('Authorization', pm)
      .set('Idempotency-Key', 'ebr-approved')
      .send({ outcome: 'approved', notes: 'well prepared' });
    return res.status === 200 ? res : undefined;
  }, 'the EBR outcome to answer');
  expect(again.body).toMatchObject({ number: 1, targetTier: 'premier' });
  await eventually(async () => ((await stageOf(EBR)) === 'approved' ? true : undefined), 'the EBR approved');
  await eventually(async () => ((await lifecycleOf(EBR))?.tier === 'premier' ? true : undefined), 'EBR Premier');

  // The fee partner is Select with its one invoice open (fee grace), no incident.
  const inGrace = await eventually(async () => {
    const status = await lifecycleOf(FEE);
    return status?.tier === 'select' && status.invoice ? status : undefined;
  }, 'the fee partner in its grace');
  expect(inGrace.incidents).toEqual([]);
  expect(await count('invoices where partner_id = $1', [FEE])).toBe(1);
  expect(await count(`notifications where partner_id = $1 and kind = 'advance-pay-insufficient'`, [FEE])).toBe(1);

  // And the payment in its grace pays once, with one promotional code.
  const paid = await request(app())
    .post(`/v1/partners/${FEE}/fee-payments`)
    .set('Authorization', pm)
    .set('Idempotency-Key', 'fee-pay')
    .send({ amount: inGrace.invoice!.total });
  expect([paid.status, paid.text]).toEqual([200, expect.stringContaining(inGrace.invoice!.id)]);
  await eventually(
    async () => ((await journalTypes(FEE))['promo-credit-sent'] === 1 ? true : undefined),
    'the promotional code journaled',
  );
  expect(await count(`invoices where partner_id = $1 and status = 'paid'`, [FEE])).toBe(1);
  expect(await count(`notifications where partner_id = $1 and kind = 'promo-credit-code'`, [FEE])).toBe(1);
  expect(await journalTypes(FEE)).toMatchObject({
    'application-submitted': 1,
    'tier-changed': 1,
    'fee-invoiced': 1,
    'fee-paid': 1,
    'promo-credit-sent': 1,
  });
  expect(await journalTypes(EBR)).toMatchObject({ 'application-submitted': 1, 'tier-changed': 1 });
  expect(await count('audit_records where partner_id = $1', [EBR])).toBe(1);
  expect((await lifecycleOf(EBR))?.incidents).toEqual([]);
});

test('the dev server stopped and started again on the same SQLite file: every partner and its state are still there, and the workflows go on', async () => {
  const before = { ebr: await lifecycleOf(EBR), fee: await lifecycleOf(FEE) };
  expect(before.ebr?.tier).toBe('premier');
  await server.stop();

  // While Temporal is down the API answers 503 problem+json, and keeps nothing the workflows would not see: the
  // registration is taken back, the command's Idempotency-Key freed for the retry.
  const admin = await auth('program-admin', 'admin-1');
  const DOWN = `down-${suffix}`;
  const registration = {
    id: DOWN,
    name: 'Registered while down',
    track: 'consulting',
    tier: 'registered',
    renewalDate: '12-15',
    country: 'US',
    allianceLeadId: `lead@${DOWN}`,
    partnerManagerIds: ['pm-7'],
  };
  const refused = await request(app()).post('/v1/partners').set('Authorization', admin).send(registration);
  expectUnavailable(refused);
  expect(await count('partners where id = $1', [DOWN])).toBe(0);
  const lead = await auth('alliance-lead', `lead@${FEE}`, FEE);
  const cancelWhileDown = await request(app())
    .post(`/v1/partners/${FEE}/cancellation-cases`)
    .set('Authorization', lead)
    .set('Idempotency-Key', 'fee-cancel')
    .send({});
  expectUnavailable(cancelWhileDown);
  expect(await count(`api_idempotency where key = 'fee-cancel'`, [])).toBe(0);
  expect(await count(`cases where partner_id = $1`, [FEE])).toBe(0);

  await server.restart();

  const after = await eventually(async () => {
    const [ebr, fee] = [await lifecycleOf(EBR), await lifecycleOf(FEE)];
    return ebr && fee ? { ebr, fee } : undefined;
  }, 'the partners after the restart');
  const kept = (s: PartnerStatus | undefined) => s && { ...s, waitingFor: undefined };
  expect(kept(after.ebr)).toEqual(kept(before.ebr));
  expect(kept(after.fee)).toEqual(kept(before.fee));
  const handle = api.client.workflow.getHandle(`partner/${FEE}`);
  expect((await handle.describe()).status.name).toBe('RUNNING');

  // The worker (still the same process) picks the workflows up again: a new command goes through.
  const cancelled = await eventually(async () => {
    const res = await request(app())
      .post(`/v1/partners/${FEE}/cancellation-cases`)
      .set('Authorization', await auth('alliance-lead', `lead@${FEE}`, FEE))
      .set('Idempotency-Key', 'fee-cancel')
      .send({});
    return res.status === 201 ? res : undefined;
  }, 'a command after the restart');
  expect(cancelled.body).toMatchObject({ caseId: expect.any(String) });
  expect((await lifecycleOf(FEE))?.cancelled).toBe(true);
  expect(await count(`cases where partner_id = $1`, [FEE])).toBe(1);
  // The registration refused while down goes through now, once.
  const registered = await request(app()).post('/v1/partners').set('Authorization', admin).send(registration);
  expect(registered.status).toBe(201);
  await eventually(async () => ((await lifecycleOf(DOWN))?.tier === 'registered' ? true : undefined), 'its workflow');
});
