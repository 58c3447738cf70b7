/** @jest-environment ./test/store/pglite-environment.ts */
/** GET /v1/partners: every filter, cursor pagination, and partner managers seeing only their own partners. */
import type { Connection } from '@temporalio/client';
import type { Express } from 'express';
import type { Store } from '../../src/store';
import { openTestStore } from '../support/store';
import { createOfflineApp, request, type ApiHarness } from './harness';

let store: Store;
let app: Express;
let connection: Connection;
let auth: ApiHarness['auth'];

beforeAll(async () => {
  store = await openTestStore();
  ({ app, connection, auth } = await createOfflineApp(store));
  const partners = [
    { id: 'a-select', tier: 'select', track: 'consulting', renewalDate: '03-15', pms: ['pm-1'] },
    { id: 'b-advanced', tier: 'advanced', track: 'consulting', renewalDate: '03-01', pms: ['pm-1', 'pm-2'] },
    { id: 'c-advanced', tier: 'advanced', track: 'technology', renewalDate: '11-30', pms: ['pm-2'] },
    { id: 'd-premier', tier: 'premier', track: 'consulting', renewalDate: '12-15', pms: [] },
    { id: 'e-advanced', tier: 'advanced', track: 'consulting', renewalDate: '07-04', pms: ['pm-1'] },
  ] as const;
  for (const p of partners) {
    await store.registerPartner({
      id: p.id,
      name: p.id,
      track: p.track,
      tier: p.tier,
      renewalDate: p.renewalDate,
      country: 'US',
      allianceLeadId: 'lead',
      partnerManagerIds: [...p.pms],
    });
  }
  await store.updatePartnerStatus('b-advanced', { atRisk: true, nextEbrWindow: '2019-Q3' });
});
afterAll(async () => {
  await connection?.close().catch(() => undefined);
  await store?.close();
});

async function ids(query: string, role: 'program-admin' | 'partner-manager' = 'program-admin', sub?: string) {
  const res = await request(app)
    .get(`/v1/partners${query}`)
    .set('Authorization', await auth(role, sub));
  expect(res.status).toBe(200);
  return (res.body as { items: { id: string }[] }).items.map((p) => p.id);
}

test('filters combine: tier, track, at-risk, renewal month, EBR window', async () => {
  expect(await ids('?tier=advanced')).toEqual(['b-advanced', 'c-advanced', 'e-advanced']);
  expect(await ids('?tier=advanced&track=consulting')).toEqual(['b-advanced', 'e-advanced']);
  expect(await ids('?atRisk=true')).toEqual(['b-advanced']);
  expect(await ids('?atRisk=false&tier=advanced')).toEqual(['c-advanced', 'e-advanced']);
  expect(await ids('?renewalMonth=03')).toEqual(['a-select', 'b-advanced']);
  expect(await ids('?ebrWindow=2019-Q3')).toEqual(['b-advanced']);
  expect(await ids('?tier=standard')).toEqual(['a-select']); // FAQ 8: the old name of select
});

test('pages follow the cursor until the last page, which has none', async () => {
  const admin = await auth('program-admin');
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await request(app)
      .get('/v1/partners')
      .query({ limit: 2, ...(cursor ? { cursor } : {}) })
      .set('Authorization', admin);
    const body = res.body as { items: { id: string }[]; nextCursor?: string };
    expect(body.items.length).toBeLessThanOrEqual(2);
    seen.push(...body.items.map((p) => p.id));
    cursor = body.nextCursor;
    pages += 1;
  } while (cursor && pages < 10);
  expect(seen).toEqual(['a-select', 'b-advanced', 'c-advanced', 'd-premier', 'e-advanced']);
  expect(pages).toBe(3);
});

test('a partner manager lists only the partners assigned to them', async () => {
  expect(await ids('', 'partner-manager', 'pm-1')).toEqual(['a-select', 'b-advanced', 'e-advanced']);
  expect(await ids('?tier=advanced', 'partner-manager', 'pm-2')).toEqual(['b-advanced', 'c-advanced']);
  expect(await ids('', 'partner-manager', 'pm-9')).toEqual([]);
});

test('bad filters are a 400 naming each one', async () => {
  const res = await request(app)
    .get('/v1/partners?tier=gold&atRisk=maybe&renewalMonth=13&limit=0&colour=red')
    .set('Authorization', await auth('program-admin'));
  expect(res.status).toBe(400);
  const paths = (res.body as { errors: { path: string }[] }).errors.map((e) => e.path);
  expect(paths).toEqual(expect.arrayContaining(['query.tier', 'query.atRisk', 'query.renewalMonth', 'query.limit']));
  expect(paths.length).toBeGreaterThanOrEqual(5);
});
