/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The organizations API for program admins (R-FEE, R-RESELLER) over a real store: register an organization, add and
 * remove member accounts, read who pays for an account. Same id and data again is a 200, a contradiction a 409, an
 * unknown organization a 404, a malformed account id a 400 naming the field — all problem+json, nothing half-done.
 */
import type { Connection } from '@temporalio/client';
import type { Express } from 'express';
import type { Response } from 'supertest';
import type { Store } from '../../src/store';
import { openTestStore } from '../support/store';
import { createOfflineApp, request, type ApiHarness } from '../api/harness';
import { expectProblem } from '../support/problem';

let store: Store;
let app: Express;
let connection: Connection;
let auth: ApiHarness['auth'];

beforeAll(async () => {
  store = await openTestStore();
  ({ app, connection, auth } = await createOfflineApp(store));
});
afterAll(async () => {
  await connection?.close();
  await store?.close();
});

async function admin(method: 'get' | 'post' | 'delete', url: string, body?: object, key?: string): Promise<Response> {
  let req = request(app)
    [method](url)
    .set('Authorization', await auth('program-admin'));
  if (key) req = req.set('Idempotency-Key', key);
  return body ? req.send(body) : req;
}

const RESELLER = { id: 'o-reseller', name: 'Reseller Co', managementAccountId: '111111111111', reseller: true };

test('R-RESELLER: a reseller organization, a customer account joins, its invoices go to the management account', async () => {
  const created = await admin('post', '/v1/organizations', { ...RESELLER, createdOn: '2019-01-01' });
  expect(created.status).toBe(201);
  expect(created.headers.location).toBe('/v1/organizations/o-reseller');
  expect(created.body).toEqual(RESELLER);
  expect((await admin('post', '/v1/organizations', { ...RESELLER, createdOn: '2019-01-01' })).status).toBe(200);

  const joined = await admin('post', '/v1/organizations/o-reseller/members', {
    accountId: '123456789012',
    joinedOn: '2019-02-01',
  });
  expect(joined.status).toBe(201);
  expect(joined.body).toEqual({ accountId: '123456789012', organizationId: 'o-reseller', joinedOn: '2019-02-01' });
  expect((await admin('post', '/v1/organizations/o-reseller/members', { accountId: '123456789012' })).status).toBe(200);

  expect((await admin('get', '/v1/accounts/123456789012/payer')).body).toEqual({
    accountId: '123456789012',
    payerAccountId: '111111111111',
    organizationId: 'o-reseller',
    reseller: true,
  });
  expect((await admin('get', '/v1/accounts/999999999999/payer')).body).toMatchObject({
    payerAccountId: '999999999999',
    organizationId: null,
  });
  const detail = await admin('get', '/v1/organizations/o-reseller');
  expect(detail.body).toMatchObject({
    ...RESELLER,
    members: [{ accountId: '111111111111' }, { accountId: '123456789012' }],
  });
  expect((await admin('get', '/v1/organizations')).body).toEqual({ items: [RESELLER] });

  const removed = await admin('delete', '/v1/organizations/o-reseller/members/123456789012');
  expect(removed.status).toBe(200);
  expect((await admin('get', '/v1/accounts/123456789012/payer')).body).toMatchObject({
    payerAccountId: '123456789012',
  });
  expectProblem(await admin('delete', '/v1/organizations/o-reseller/members/123456789012'), 404, /not a member/);
  expectProblem(
    await admin('delete', '/v1/organizations/o-reseller/members/111111111111'),
    409,
    /management account .* cannot leave/,
  );
});

test('contradictions are 409, unknown organizations 404, and nothing is written', async () => {
  await admin('post', '/v1/organizations', { id: 'o-first', name: 'First', managementAccountId: '222222222222' });
  expectProblem(
    await admin('post', '/v1/organizations', { id: 'o-first', name: 'Renamed', managementAccountId: '222222222222' }),
    409,
  );
  // A management account already in another organization: the new organization is not created.
  await admin('post', '/v1/organizations/o-first/members', { accountId: '333333333333' });
  expectProblem(
    await admin('post', '/v1/organizations', { id: 'o-second', name: 'Second', managementAccountId: '333333333333' }),
    409,
  );
  expectProblem(await admin('get', '/v1/organizations/o-second'), 404, /organization 'o-second' is not registered/);
  expectProblem(await admin('post', '/v1/organizations/o-first/members', { accountId: '111111111111' }), 409);
  expectProblem(await admin('post', '/v1/organizations/o-none/members', { accountId: '444444444444' }), 404);
  expect((await admin('get', '/v1/accounts/444444444444/payer')).body).toMatchObject({ organizationId: null });
});

test('AWS account ids are 12 digits wherever they enter: body, path, management account', async () => {
  const badBody = await admin('post', '/v1/organizations/o-first/members', { accountId: '12345678901' });
  expectProblem(badBody, 400);
  expect((badBody.body as { errors: { path: string }[] }).errors).toEqual([
    expect.objectContaining({ path: 'body.accountId', message: 'AWS account ID must be exactly 12 digits' }),
  ]);
  const numeric = await admin('post', '/v1/organizations', {
    id: 'o-num',
    name: 'N',
    managementAccountId: 123456789012,
  });
  expectProblem(numeric, 400);
  expect((numeric.body as { errors: { path: string }[] }).errors).toEqual([
    expect.objectContaining({ path: 'body.managementAccountId' }),
  ]);
  const badPath = await admin('get', '/v1/accounts/12345678901a/payer');
  expectProblem(badPath, 400);
  expect((badPath.body as { errors: { path: string }[] }).errors).toEqual([
    expect.objectContaining({ path: 'path.accountId' }),
  ]);
  expectProblem(await admin('get', '/v1/organizations/o-num'), 404);
});

test('Idempotency-Key: a replay answers the first response; the key reused for another body is a 422', async () => {
  const body = { id: 'o-idem', name: 'Idem', managementAccountId: '555555555555' };
  const first = await admin('post', '/v1/organizations', body, 'org-key-1');
  const replay = await admin('post', '/v1/organizations', body, 'org-key-1');
  expect([first.status, replay.status]).toEqual([201, 201]);
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expectProblem(await admin('post', '/v1/organizations', { ...body, name: 'Other' }, 'org-key-1'), 422);
});

test('only program admins manage organizations', async () => {
  for (const role of ['partner-manager', 'alliance-lead', 'evidence-feed'] as const) {
    const res = await request(app)
      .get('/v1/organizations')
      .set('Authorization', await auth(role, undefined, role === 'alliance-lead' ? 'some-partner' : undefined));
    expectProblem(res, 403);
  }
});
