/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Reseller billing refusals through the API (R-RESELLER): each is a problem+json naming what is wrong, and leaves
 * nothing changed. Business date 2019-10-02, on a real Temporal dev server.
 */
import type { Response } from 'supertest';
import { partnerInput } from '../store/pg';
import { eventually, request, startApiHarness, type ApiHarness } from './harness';

const RUN = Date.now().toString(36);
let h: ApiHarness;
let n = 0;

beforeAll(async () => {
  h = await startApiHarness({ businessDate: '2019-10-02' });
}, 300_000);
afterAll(async () => {
  await h?.teardown();
});

async function admin(method: 'get' | 'post' | 'put', url: string, body?: object): Promise<Response> {
  const req = request(h.app)
    [method](url)
    .set('Authorization', await h.auth('program-admin', 'admin-reseller'));
  return body === undefined ? req : req.send(body);
}

function expectProblem(res: Response, status: number, detail: RegExp): void {
  expect({ status: res.status, detail: (res.body as { detail?: string }).detail }).toEqual({
    status,
    detail: expect.stringMatching(detail),
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

async function organization(reseller = true) {
  const id = `api-reseller-${RUN}-${++n}`;
  const managementAccountId = String(510_000_000_000 + n);
  await h.store.createOrganization({ id, name: 'API Reseller', managementAccountId, reseller, on: '2019-10-01' });
  return { id, managementAccountId };
}

test('R-RESELLER: each refusal of the reseller endpoints is a problem naming what is wrong, and changes nothing', async () => {
  const partner = (await h.store.registerPartner(partnerInput({ id: `api-resale-${RUN}` }))).partner;
  const plain = await organization(false);
  expectProblem(
    await admin('post', `/v1/organizations/${plain.id}/reseller-billing`, { partnerId: partner.id }),
    409,
    /is not a reseller's organization/,
  );
  const org = await organization();
  expectProblem(
    await admin('post', `/v1/organizations/${org.id}/reseller-billing`, { partnerId: 'nobody-here' }),
    404,
    /partner nobody-here/,
  );
  expect(await h.store.reseller.getEnrolment(org.id)).toBeUndefined();
  const enrolled = await admin('post', `/v1/organizations/${org.id}/reseller-billing`, {
    partnerId: partner.id,
    billingFrom: '2019-09',
  });
  expect(enrolled.status).toBe(201);
  expectProblem(
    await admin('post', `/v1/organizations/${org.id}/reseller-billing`, { partnerId: partner.id, discountPercent: 5 }),
    409,
    /already enrolled/,
  );

  // Invitations need an enrolled organization, and never invite its own management account.
  expectProblem(
    await admin('post', `/v1/organizations/${plain.id}/invitations`, { accountId: '520000000001' }),
    409,
    /not enrolled for reseller billing/,
  );
  expectProblem(
    await admin('post', `/v1/organizations/${org.id}/invitations`, { accountId: org.managementAccountId }),
    409,
    /is the management account/,
  );

  // Usage: not a member → 409; a month not begun → 422; then the month closed, usage for it is a 409.
  expectProblem(
    await admin('put', `/v1/accounts/520000000002/usage/2019-09`, { items: [] }),
    409,
    /not a member of a reseller organization/,
  );
  const invited = await admin('post', `/v1/organizations/${org.id}/invitations`, { accountId: '520000000003' });
  expect(invited.status).toBe(201);
  const id = (invited.body as { id: number }).id;
  expect((await admin('post', `/v1/invitations/${id}/accept`)).body).toMatchObject({ status: 'accepted' });
  expectProblem(await admin('post', `/v1/invitations/${id}/decline`), 409, /is accepted since 2019-10-02/);
  expectProblem(
    await admin('put', `/v1/accounts/520000000003/usage/2019-11`, { items: [] }),
    422,
    /month 2019-11 has not begun/,
  );
  const usage = await admin('put', `/v1/accounts/520000000003/usage/2019-09`, {
    items: [{ service: 'Amazon EC2', amount: 12.34 }],
  });
  expect(usage.status).toBe(201);
  expectProblem(
    await admin('post', `/v1/organizations/${org.id}/bills`, { month: '2019-10' }),
    409,
    /close 2019-09 first|has not ended/,
  );
  expect((await admin('post', `/v1/organizations/${org.id}/bills`, { month: '2019-09' })).status).toBe(201);
  expectProblem(
    await admin('put', `/v1/accounts/520000000003/usage/2019-09`, { items: [] }),
    409,
    /can no longer change/,
  );

  // Paying another amount is refused and pays nothing; the whole amount pays and invoices.
  expectProblem(
    await admin('post', `/v1/organizations/${org.id}/bills/2019-09/payment`, { amount: 12 }),
    422,
    /pay all of it/,
  );
  expect((await h.store.reseller.getBill(org.id, '2019-09'))?.status).toBe('issued');
  const paid = await admin('post', `/v1/organizations/${org.id}/bills/2019-09/payment`, { amount: 12.34 });
  expect(paid.body).toMatchObject({ status: 'paid', invoices: [{ accountId: '520000000003', amount: 12.34 }] });
  expectProblem(await admin('get', `/v1/organizations/${org.id}/bills/2019-10`), 404, /has no bill for 2019-10/);
  expectProblem(await admin('get', `/v1/invitations/999999`), 404, /invitation 999999 does not exist/);
  await eventually(
    async () =>
      (await h.store.listNotifications(partner.id)).some((x) => x.kind === 'reseller-invoice-issued') || undefined,
    'the customer invoice notification',
  );
});
