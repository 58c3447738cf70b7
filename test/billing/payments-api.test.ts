/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Paying the fee through the API (R-PAID, 000; R-ADVANCE-PAY, 003), end to end on a Temporal dev server with the
 * real workflows: the payer account pays a named invoice with an eligible method, the payment waits for the bank,
 * only a succeeded one settles the invoice (fee paid, one promo code); a Partner Manager's offline payment; funds
 * arriving during grace pay an open invoice once, however often and however concurrently the transfer is recorded.
 */
import type { Role } from '../../src/api/auth';
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import { eventually, request, startApiHarness, type ApiHarness } from '../api/harness';
import { consultingEvidence } from '../support/evidence';
import { expectProblem } from '../support/problem';

const BUSINESS_DATE = '2019-10-02';
const RUN = Date.now().toString(36);
const LEAD = 'lead-pay';
const PM = 'pm-pay';
let h: ApiHarness;
let seq = 0;

beforeAll(async () => {
  h = await startApiHarness({ businessDate: BUSINESS_DATE });
}, 120_000);
afterAll(async () => {
  await h?.teardown();
});

const account = () => String(500_000_000_000 + (Date.now() % 1_000_000) * 1_000 + ++seq);

async function as(role: Role, partnerId?: string) {
  const sub = role === 'alliance-lead' ? LEAD : role === 'partner-manager' ? PM : `pay-${role}`;
  return h.auth(role, sub, role === 'alliance-lead' || role === 'alliance-team' ? partnerId : undefined);
}

const post = async (role: Role, url: string, body: object, partnerId?: string, key?: string) => {
  let req = request(h.app)
    .post(url)
    .set('Authorization', await as(role, partnerId));
  if (key) req = req.set('Idempotency-Key', key);
  return req.send(body);
};
const get = async (role: Role, url: string, partnerId?: string) =>
  request(h.app)
    .get(url)
    .set('Authorization', await as(role, partnerId));

/** A Select-approved partner with the upgrade's invoice open, billed to `feeAccountId`. */
async function invoicedPartner(feeAccountId: string) {
  const id = `pay-${RUN}-${++seq}`;
  const registered = await post('program-admin', '/v1/partners', {
    id,
    name: `Payer ${id}`,
    track: 'consulting',
    tier: 'registered',
    renewalDate: '12-15',
    country: 'US',
    feeAccountId,
    allianceLeadId: LEAD,
    partnerManagerIds: [PM],
  });
  expect(registered.status).toBe(201);
  const evidence = await request(h.app)
    .put(`/v1/partners/${id}/evidence`)
    .set('Authorization', await as('evidence-feed'))
    .send(mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', '2019-03-15', id)));
  expect(evidence.status).toBe(200);
  const applied = await post(
    'alliance-lead',
    `/v1/partners/${id}/upgrade-applications`,
    { targetTier: 'select', feeAccountId },
    id,
  );
  expect(applied.status).toBe(202);
  const invoice = await eventually(
    async () => (await h.store.listInvoices(id)).find((i) => i.status === 'open'),
    `the open invoice of ${id}`,
    60_000,
  );
  // The activity writes the row before the workflow has taken its answer: a payment in between would be refused
  // ("there is no open fee invoice to pay"). Wait until the partner's workflow holds the invoice.
  await eventually(
    async () => {
      const res = await get('partner-manager', `/v1/partners/${id}?live=true`);
      return (res.body as { lifecycle?: { invoice?: { id?: string } } }).lifecycle?.invoice?.id === invoice.id
        ? true
        : undefined;
    },
    `the workflow of ${id} holding invoice ${invoice.id}`,
    60_000,
  );
  return { id, invoice, total: invoice.amount + invoice.vatAmount };
}

const timelineOf = async (id: string) =>
  ((await get('program-admin', `/v1/partners/${id}/timeline`)).body as { items: { type: string }[] }).items;

/**
 * The partner's `fee-paid` timeline entries once there are `count`: the workflow writes its journal at the end of its
 * turn, after the payment Update has answered.
 */
const feePaidEntries = (id: string, count: number) =>
  eventually(async () => {
    const entries = (await timelineOf(id)).filter((e) => e.type === 'fee-paid');
    return entries.length >= count ? entries : undefined;
  }, `${count} fee-paid entries of ${id}`);

test('R-PAID: the payer pays a named invoice with an eligible method; only the bank’s success settles it, once', async () => {
  const feeAccount = account();
  const { id, invoice, total } = await invoicedPartner(feeAccount);
  const url = `/v1/partners/${id}/payments`;
  const body = { invoiceId: invoice.id, payerAccountId: feeAccount, amount: total, method: 'card' };

  // Refusals name what is wrong and record nothing.
  expectProblem(
    await post('alliance-lead', url, { ...body, payerAccountId: account() }, id),
    422,
    /is billed to payer account/,
  );
  expectProblem(
    await post('alliance-lead', url, { ...body, amount: total - 1 }, id),
    422,
    /must equal the total .*\$2500\.00/,
  );
  expectProblem(
    await post('alliance-lead', url, { ...body, method: 'sepa-direct-debit' }, id),
    422,
    /'sepa-direct-debit' is not eligible for this payer; eligible: card, bank-account/,
  );
  expectProblem(
    await post('alliance-lead', url, { ...body, invoiceId: `${id}/invoice/1999` }, id),
    404,
    /has no invoice/,
  );
  expect((await h.store.payments.listForPartner(id)).length).toBe(0);

  // Pending until the bank answers; a retry with the same key is the first answer, a second payment a 409.
  const pending = await post('alliance-lead', url, body, id, 'pay-1');
  expect(pending.status).toBe(201);
  expect(pending.body).toMatchObject({ status: 'pending', method: 'card', amountCents: 250_000, settledOn: null });
  expect(pending.headers.location).toBe(`/v1/payments/${String(pending.body.id)}`);
  const replay = await post('alliance-lead', url, body, id, 'pay-1');
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect(replay.body.id).toBe(pending.body.id);
  expectProblem(
    await post('alliance-lead', url, { ...body, method: 'bank-account' }, id),
    409,
    /already has payment PAY-/,
  );
  expect((await h.store.getInvoice(invoice.id))?.status).toBe('open');

  // The bank declines: the invoice stays open and can be paid again.
  const declined = await post('program-admin', `/v1/payments/${String(pending.body.id)}/processing`, {
    outcome: 'failed',
    reason: 'card declined',
  });
  expect(declined.body).toMatchObject({ status: 'failed', failureReason: 'card declined' });
  expect((await h.store.getInvoice(invoice.id))?.status).toBe('open');
  expect((await timelineOf(id)).filter((e) => e.type === 'fee-paid')).toEqual([]);

  const second = await post('alliance-lead', url, { ...body, method: 'bank-account' }, id);
  expect(second.status).toBe(201);
  const processing = `/v1/payments/${String(second.body.id)}/processing`;
  const [a, b] = await Promise.all([
    post('program-admin', processing, { outcome: 'succeeded' }),
    post('program-admin', processing, { outcome: 'succeeded' }),
  ]);
  expect([a.status, b.status]).toEqual([200, 200]);
  expect(a.body).toMatchObject({ status: 'succeeded', settledOn: BUSINESS_DATE });
  expectProblem(await post('program-admin', processing, { outcome: 'failed' }), 409, /already processed: succeeded/);

  const stored = await h.store.getInvoice(invoice.id);
  expect(stored).toMatchObject({ status: 'paid', paidVia: 'payment' });
  const paid = await feePaidEntries(id, 1);
  expect(paid).toEqual([
    expect.objectContaining({
      data: expect.objectContaining({
        method: 'recorded-payment',
        paymentMethod: 'bank-account',
        reference: second.body.id,
      }),
    }),
  ]);
  const promos = (await h.store.listNotifications(id)).filter((n) => n.kind === 'promo-credit-code');
  expect(promos).toHaveLength(1);
  const listed = await get('alliance-lead', url, id);
  expect((listed.body as { items: { status: string }[] }).items.map((p) => p.status)).toEqual(['failed', 'succeeded']);
}, 180_000);

test('R-PAID: a payer’s configured methods replace the default', async () => {
  const feeAccount = account();
  const set = await request(h.app)
    .put(`/v1/accounts/${feeAccount}/payment-methods`)
    .set('Authorization', await as('program-admin'))
    .send({ methods: ['sepa-direct-debit'] });
  expect(set.body).toEqual({ payerAccountId: feeAccount, methods: ['sepa-direct-debit'], configured: true });
  const { id, invoice, total } = await invoicedPartner(feeAccount);
  const body = { invoiceId: invoice.id, payerAccountId: feeAccount, amount: total };
  expectProblem(
    await post('alliance-team', `/v1/partners/${id}/payments`, { ...body, method: 'card' }, id),
    422,
    /eligible: sepa-direct-debit/,
  );
  const ok = await post('alliance-lead', `/v1/partners/${id}/payments`, { ...body, method: 'sepa-direct-debit' }, id);
  expect(ok.status).toBe(201);
}, 180_000);

test('R-PAID: a Partner Manager’s offline payment is recorded as offline and settles the invoice', async () => {
  const { id, invoice, total } = await invoicedPartner(account());
  const res = await post('partner-manager', `/v1/partners/${id}/fee-payments`, { amount: total });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ invoiceId: invoice.id, paymentId: expect.stringMatching(/^PAY-/) });
  expect(await h.store.payments.listForPartner(id)).toEqual([
    expect.objectContaining({ method: 'offline', status: 'succeeded', recordedBy: PM, settledOn: BUSINESS_DATE }),
  ]);
  expect((await h.store.getInvoice(invoice.id))?.status).toBe('paid');
}, 180_000);

test('R-ADVANCE-PAY: a transfer recorded concurrently and again pays the open invoice once, through the lifecycle', async () => {
  const payer = account();
  const { id, invoice } = await invoicedPartner(payer);
  const admin = await as('program-admin');
  await request(h.app).post(`/v1/advance-pay/${payer}`).set('Authorization', admin).send({});
  const doc = await request(h.app)
    .post(`/v1/advance-pay/${payer}/funding-documents`)
    .set('Authorization', admin)
    .send({ amount: 3000, method: 'us-bank-transfer' });
  const transfer = { reference: doc.body.reference as string, amount: 3000 };
  const answers = await Promise.all(
    Array.from({ length: 4 }, () =>
      request(h.app).post(`/v1/advance-pay/${payer}/transfers`).set('Authorization', admin).send(transfer),
    ),
  );
  expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
  const again = await request(h.app)
    .post(`/v1/advance-pay/${payer}/transfers`)
    .set('Authorization', admin)
    .send(transfer);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ balance: 500, openInvoices: [] });

  expect(await h.store.payments.listForPartner(id)).toEqual([
    expect.objectContaining({
      method: 'advance-pay',
      status: 'succeeded',
      amountCents: 250_000,
      settledOn: BUSINESS_DATE,
    }),
  ]);
  expect((await h.store.getInvoice(invoice.id))?.paidVia).toBe('advance-pay');
  expect(await feePaidEntries(id, 1)).toEqual([
    expect.objectContaining({
      data: expect.objectContaining({ method: 'advance-pay', reference: transfer.reference }),
    }),
  ]);
  expect((await h.store.listNotifications(id)).filter((n) => n.kind === 'promo-credit-code')).toHaveLength(1);
  // The funding receipt goes to the payer once, however often the transfer was recorded.
  expect((await h.store.listNotifications(id)).filter((n) => n.kind === 'advance-pay-funded')).toEqual([
    expect.objectContaining({
      key: `advance-pay-funded#${transfer.reference}`,
      recipient: `payer:${payer}`,
      payload: expect.objectContaining({ reference: transfer.reference, amount: 3000, balance: 500 }),
    }),
  ]);
}, 180_000);
