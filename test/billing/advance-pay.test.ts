/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Advance Pay funding (R-ADVANCE-PAY, 003) on both store drivers and through the API: a payer registers, gets a
 * funding document with a reference, and the transfer quoting it funds the balance exactly once — repeated, retried
 * or concurrent receipts included; the funding history and documents are kept; and the balance then pays an invoice
 * it covers.
 */
import type { Connection } from '@temporalio/client';
import type { Express } from 'express';
import type { Response } from 'supertest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { NotFoundError, StoreConflictError, type Store } from '../../src/store';
import { createOfflineApp, request, type ApiHarness } from '../api/harness';
import { drivers, openTestStore, partnerInput } from '../store/pg';
import { expectProblem } from '../support/problem';

let seq = Math.floor(Math.random() * 1e6);
const account = () => String(400_000_000_000 + ++seq * 7_919);

describe.each(drivers)('Advance Pay funding documents on %s', (driver) => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(driver));
  });
  afterAll(async () => {
    await dispose?.();
  });

  test('registered → funding document → transfer: funded once, however often and however concurrently it is received', async () => {
    const payer = account();
    await expect(
      store.advancePay.issueDocument({ payerAccountId: payer, amount: 3000, method: 'eft', on: '2019-11-01' }),
    ).rejects.toThrow(/not registered for Advance Pay/);
    const { created } = await store.advancePay.register(payer, '2019-11-01');
    expect(created).toBe(true);
    expect((await store.advancePay.register(payer, '2019-11-02')).created).toBe(false);

    const doc = await store.advancePay.issueDocument({
      payerAccountId: payer,
      amount: 3000,
      method: 'eft',
      on: '2019-11-01',
    });
    expect(doc).toMatchObject({ status: 'issued', amount: 3000, method: 'eft', fundedOn: null });
    expect(doc.reference).toMatch(/^AP-[A-Z2-9]{12}$/);

    const receipt = { payerAccountId: payer, reference: doc.reference, amount: 3000, on: '2019-11-05' };
    const results = await Promise.all(Array.from({ length: 5 }, () => store.advancePay.receiveTransfer(receipt)));
    expect(results.filter((r) => r.funded)).toHaveLength(1);
    expect((await store.advancePay.receiveTransfer(receipt)).funded).toBe(false);
    const statement = await store.advancePay.statement(payer);
    expect(statement).toMatchObject({
      balance: 3000,
      registeredOn: '2019-11-01',
      fundings: [{ amount: 3000, method: 'eft', on: '2019-11-05' }],
      documents: [{ reference: doc.reference, status: 'funded', fundedOn: '2019-11-05', fundedAmount: 3000 }],
    });

    await expect(store.advancePay.receiveTransfer({ ...receipt, amount: 2999 })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    await expect(store.advancePay.receiveTransfer({ ...receipt, payerAccountId: account() })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(store.advancePay.receiveTransfer({ ...receipt, reference: 'AP-ZZZZZZZZZZZZ' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await store.advancePay.statement(payer))?.balance).toBe(3000);
  });

  test('a second transfer adds to the history; the balance pays an invoice it covers, all or nothing', async () => {
    const payer = account();
    await store.advancePay.register(payer, '2019-11-01');
    for (const [amount, method] of [
      [1000, 'us-bank-transfer'],
      [1000.5, 'eft'],
    ] as const) {
      const doc = await store.advancePay.issueDocument({ payerAccountId: payer, amount, method, on: '2019-11-01' });
      await store.advancePay.receiveTransfer({
        payerAccountId: payer,
        reference: doc.reference,
        amount,
        on: '2019-11-02',
      });
    }
    expect((await store.advancePay.statement(payer))?.fundings.map((f) => [f.amount, f.method])).toEqual([
      [1000, 'us-bank-transfer'],
      [1000.5, 'eft'],
    ]);
    const { partner } = await store.registerPartner(partnerInput({ feeAccountId: payer }));
    const { invoice } = await store.createInvoice({
      partnerId: partner.id,
      membershipYear: 2019,
      reason: 'renewal',
      amount: 2500,
      vatAmount: 0,
      payerAccountId: payer,
      feeAccountId: payer,
      issuedOn: '2019-12-15',
      dueOn: '2019-12-15',
    });
    expect(await store.applyAdvancePay(payer, invoice.id, 2500, '2019-12-15')).toMatchObject({
      applied: false,
      reason: 'insufficient-balance',
      balance: 2000.5,
    });
    const doc = await store.advancePay.issueDocument({
      payerAccountId: payer,
      amount: 500,
      method: 'eft',
      on: '2019-12-20',
    });
    await store.advancePay.receiveTransfer({
      payerAccountId: payer,
      reference: doc.reference,
      amount: 500,
      on: '2019-12-21',
    });
    expect(await store.applyAdvancePay(payer, invoice.id, 2500, '2019-12-21')).toMatchObject({
      applied: true,
      balance: 0.5,
    });
  });
});

describe.each(drivers)('funds arriving while an invoice is open, on %s (R-ADVANCE-PAY)', (driver) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const env = new MockActivityEnvironment();

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(driver));
  });
  afterAll(async () => {
    await dispose?.();
  });

  test('the open invoice is listed for its payer; the activity pays it once the balance covers it, and only once', async () => {
    const payer = account();
    await store.advancePay.register(payer, '2019-11-01');
    const { partner } = await store.registerPartner(partnerInput({ feeAccountId: payer, country: 'GB' }));
    const { invoice } = await store.createInvoice({
      partnerId: partner.id,
      membershipYear: 2019,
      reason: 'renewal',
      amount: 2500,
      vatAmount: 500,
      payerAccountId: payer,
      feeAccountId: payer,
      issuedOn: '2019-12-15',
      dueOn: '2019-12-15',
    });
    expect(await store.advancePay.openInvoicesOf(payer)).toEqual([
      { invoiceId: invoice.id, partnerId: partner.id, total: 3000, issuedOn: '2019-12-15' },
    ]);
    const { applyAdvancePay } = createActivities({ store });
    const apply = (on: string) =>
      env.run<[{ invoiceId: string; on: string }], Awaited<ReturnType<typeof applyAdvancePay>>, typeof applyAdvancePay>(
        applyAdvancePay,
        { invoiceId: invoice.id, on },
      );

    const short = await store.advancePay.issueDocument({
      payerAccountId: payer,
      amount: 2999.99,
      method: 'eft',
      on: '2020-01-10',
    });
    await store.advancePay.receiveTransfer({
      payerAccountId: payer,
      reference: short.reference,
      amount: 2999.99,
      on: '2020-01-12',
    });
    expect(await apply('2020-01-12')).toMatchObject({
      applied: false,
      reason: 'insufficient-balance',
      balance: 2999.99,
    });
    expect((await store.getInvoice(invoice.id))?.status).toBe('open');

    const more = await store.advancePay.issueDocument({
      payerAccountId: payer,
      amount: 0.01,
      method: 'eft',
      on: '2020-01-20',
    });
    await store.advancePay.receiveTransfer({
      payerAccountId: payer,
      reference: more.reference,
      amount: 0.01,
      on: '2020-01-21',
    });
    const results = await Promise.all([apply('2020-01-21'), apply('2020-01-21'), apply('2020-01-21')]);
    expect(results.filter((r) => r.applied && !r.alreadyApplied)).toHaveLength(1);
    expect(await store.getInvoice(invoice.id)).toMatchObject({
      status: 'paid',
      paidVia: 'advance-pay',
      paidOn: '2020-01-21',
    });
    expect((await store.advancePay.statement(payer))?.balance).toBe(0);
    expect(await store.advancePay.openInvoicesOf(payer)).toEqual([]);
  });
});

describe('the Advance Pay API', () => {
  let store: Store;
  let app: Express;
  let connection: Connection;
  let auth: ApiHarness['auth'];

  beforeAll(async () => {
    ({ store } = { store: (await openTestStore('pglite')).store });
    ({ app, connection, auth } = await createOfflineApp(store));
  });
  afterAll(async () => {
    await connection?.close();
    await store?.close();
  });

  async function admin(method: 'get' | 'post', url: string, body?: object): Promise<Response> {
    const req = request(app)
      [method](url)
      .set('Authorization', await auth('program-admin'));
    return body ? req.send(body) : req;
  }

  test('register, fund through a funding document, read the balance and history; a repeated transfer adds nothing', async () => {
    const payer = account();
    expectProblem(await admin('get', `/v1/advance-pay/${payer}`), 404, /has no Advance Pay/);
    expectProblem(
      await admin('post', `/v1/advance-pay/${payer}/funding-documents`, { amount: 3000, method: 'eft' }),
      409,
      /not registered/,
    );
    expect((await admin('post', `/v1/advance-pay/${payer}`, { registeredOn: '2019-11-01' })).status).toBe(201);
    expect((await admin('post', `/v1/advance-pay/${payer}`, {})).status).toBe(200);

    const issued = await admin('post', `/v1/advance-pay/${payer}/funding-documents`, {
      amount: 3000,
      method: 'eft',
      issuedOn: '2019-11-01',
    });
    expect(issued.status).toBe(201);
    const { reference } = issued.body as { reference: string };

    const transfer = { reference, amount: 3000, receivedOn: '2019-11-05' };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => admin('post', `/v1/advance-pay/${payer}/transfers`, transfer)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    expect(answers.every((a) => (a.body as { balance: number }).balance === 3000)).toBe(true);
    expectProblem(
      await admin('post', `/v1/advance-pay/${payer}/transfers`, { ...transfer, amount: 30 }),
      409,
      /already funded/,
    );
    expectProblem(await admin('post', `/v1/advance-pay/${account()}/transfers`, transfer), 404);

    const statement = await admin('get', `/v1/advance-pay/${payer}`);
    expect(statement.body).toMatchObject({
      payerAccountId: payer,
      balance: 3000,
      registeredOn: '2019-11-01',
      fundings: [{ amount: 3000, method: 'eft', on: '2019-11-05' }],
      documents: [{ reference, status: 'funded' }],
    });
  });

  test('bad input is a 400 naming the field: account ids, references, amounts, methods', async () => {
    const bad = await admin('post', `/v1/advance-pay/12345/funding-documents`, { amount: 10.001, method: 'cheque' });
    expectProblem(bad, 400);
    expect((bad.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(['path.accountId']);
    const body = await admin('post', `/v1/advance-pay/${account()}/funding-documents`, {
      amount: 10.001,
      method: 'cheque',
    });
    expect((body.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual([
      'body.amount',
      'body.method',
    ]);
    const transfer = await admin('post', `/v1/advance-pay/${account()}/transfers`, { reference: 'nope', amount: -1 });
    expect((transfer.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual([
      'body.amount',
      'body.reference',
    ]);
  });
});
