/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Issue #14 item 2, reads that don't redo work — and stay right: a repeated scorecard read is answered from memory (no
 * SQL at all), yet a change of the partner (its partner managers or alliance lead reassigned, new evidence, its
 * deletion) is seen by the very next request, whoever wrote it — this process's store, or SQL from elsewhere (another
 * process, an operator), heard through the `partners` trigger. Nobody keeps reading a partner they were taken off.
 * List endpoints cost a fixed number of queries, however many partners they list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Connection } from '@temporalio/client';
import type { Express } from 'express';
import { createStore, type Store } from '../../src/store';
import { newPglite, partnerInput } from '../store/pg';
import { createOfflineApp, request, type ApiHarness } from './harness';

const premier = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'examples', 'consulting-premier-evidence.json'), 'utf8'),
) as unknown;

let pglite: PGlite;
let store: Store;
let app: Express;
let connection: Connection;
let auth: ApiHarness['auth'];
/** SQL statements the store sent to the database. */
let queries = 0;

beforeAll(async () => {
  pglite = newPglite();
  const query = pglite.query.bind(pglite);
  pglite.query = ((...args: Parameters<PGlite['query']>) => {
    queries += 1;
    return query(...args);
  }) as PGlite['query'];
  store = await createStore({ pglite });
  ({ app, connection, auth } = await createOfflineApp(store));
});
afterAll(async () => {
  await connection?.close().catch(() => undefined);
  await store?.close();
});

let counter = 0;
async function registered(over: { partnerManagerIds?: string[]; evidence?: boolean } = {}) {
  const id = `reads-${(counter++).toString(36)}`;
  await store.registerPartner(
    partnerInput({
      id,
      name: id,
      tier: 'registered',
      allianceLeadId: `lead-${id}`,
      partnerManagerIds: over.partnerManagerIds ?? ['pm-1'],
    }),
  );
  if (over.evidence !== false) await store.putEvidence(id, premier);
  return id;
}

/** SQL from outside this process's store: what another API or worker process, or an operator, would send. */
const elsewhere = async (text: string, params: unknown[]) => void (await pglite.query(text, params));

const scorecard = async (id: string, authorization: string) =>
  request(app).get(`/v1/partners/${id}/scorecard?asOf=2026-12-01`).set('Authorization', authorization);

test('a repeated scorecard read sends no SQL at all', async () => {
  const id = await registered();
  const lead = await auth('alliance-lead', `lead-${id}`, id);
  expect((await scorecard(id, lead)).status).toBe(200);
  const before = queries;
  for (let i = 0; i < 5; i++) expect((await scorecard(id, lead)).status).toBe(200);
  expect(queries - before).toBe(0);
});

test('a scorecard sent from memory has the headers res.json gives, and its ETag answers 304', async () => {
  const id = await registered();
  const lead = await auth('alliance-lead', `lead-${id}`, id);
  const first = await scorecard(id, lead);
  const again = await scorecard(id, lead);
  expect(again.text).toBe(first.text);
  // What express's res.json answers for the same body (the what-if endpoint serializes per request).
  const direct = await request(app)
    .post('/v1/scorecards/evaluate')
    .set('Authorization', lead)
    .send({ asOf: '2026-12-01', evidence: premier });
  expect(direct.text).toBe(first.text);
  for (const header of ['content-type', 'content-length', 'etag'])
    expect(first.headers[header]).toBe(direct.headers[header]);
  const unchanged = await request(app)
    .get(`/v1/partners/${id}/scorecard?asOf=2026-12-01`)
    .set('Authorization', lead)
    .set('If-None-Match', first.headers.etag!);
  expect(unchanged.status).toBe(304);
});

test('partner managers reassigned: the one taken off is refused on the next read, the new one served', async () => {
  const id = await registered({ partnerManagerIds: ['pm-old'] });
  const old = await auth('partner-manager', 'pm-old');
  const fresh = await auth('partner-manager', 'pm-new');
  expect((await scorecard(id, old)).status).toBe(200);
  expect((await scorecard(id, fresh)).status).toBe(403);
  await store.updatePartnerStatus(id, { partnerManagerIds: ['pm-new'] });
  expect((await scorecard(id, old)).status).toBe(403);
  expect((await scorecard(id, fresh)).status).toBe(200);
});

test('the same reassignment written elsewhere (plain SQL) is seen by the next read too', async () => {
  const id = await registered({ partnerManagerIds: ['pm-a'] });
  const a = await auth('partner-manager', 'pm-a');
  expect((await scorecard(id, a)).status).toBe(200);
  await elsewhere('update partners set partner_manager_ids = $1 where id = $2', [['pm-b'], id]);
  expect((await scorecard(id, a)).status).toBe(403);
  expect((await scorecard(id, await auth('partner-manager', 'pm-b'))).status).toBe(200);
});

test('a new alliance lead: the previous one is refused at once', async () => {
  const id = await registered();
  const previous = await auth('alliance-lead', `lead-${id}`, id);
  expect((await scorecard(id, previous)).status).toBe(200);
  await elsewhere('update partners set alliance_lead_id = $1 where id = $2', ['lead-next', id]);
  expect((await scorecard(id, previous)).status).toBe(403);
  expect((await scorecard(id, await auth('alliance-lead', 'lead-next', id))).status).toBe(200);
});

test('new evidence, written here or elsewhere, is what the next scorecard evaluates', async () => {
  const id = await registered();
  const lead = await auth('alliance-lead', `lead-${id}`, id);
  const premierCard = (await scorecard(id, lead)).body as { highestTierMet: string };
  // Here: the API's own evidence endpoint writes through this store.
  const emptied = await request(app)
    .put(`/v1/partners/${id}/evidence`)
    .set('Authorization', await auth('evidence-feed', 'feed'))
    .send({ track: 'consulting' });
  expect(emptied.status).toBe(200);
  const emptyCard = (await scorecard(id, lead)).body as { highestTierMet: string };
  expect(emptyCard).not.toEqual(premierCard);
  // Elsewhere: a version written by another process.
  await elsewhere('insert into evidence_versions (partner_id, version, document) values ($1, 3, $2::jsonb)', [
    id,
    JSON.stringify(premier),
  ]);
  await elsewhere('update partners set evidence_version = 3 where id = $1', [id]);
  expect((await scorecard(id, lead)).body).toEqual(premierCard);
});

test('a deleted partner is gone for the next read', async () => {
  const id = await registered({ evidence: false });
  const pm = await auth('partner-manager', 'pm-1');
  expect((await request(app).get(`/v1/partners/${id}/audit`).set('Authorization', pm)).status).toBe(200);
  await elsewhere('delete from partners where id = $1', [id]);
  const gone = await request(app).get(`/v1/partners/${id}/audit`).set('Authorization', pm);
  expect(gone.status).toBe(403);
  const admin = await auth('program-admin');
  expect((await request(app).get(`/v1/partners/${id}/audit`).set('Authorization', admin)).status).toBe(404);
});

describe('list endpoints cost a fixed number of queries, however many partners they list', () => {
  /** Queries one GET costs, after a first call (anything loaded once is not counted). */
  const cost = async (url: string, authorization: string) => {
    const first = await request(app).get(url).set('Authorization', authorization);
    expect(first.status).toBe(200);
    const before = queries;
    const res = await request(app).get(url).set('Authorization', authorization);
    expect(res.status).toBe(200);
    return { queries: queries - before, items: (res.body as { items: unknown[] }).items.length };
  };
  const scheduled = async (window: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const id = await registered({ partnerManagerIds: [`pm-${window}`], evidence: false });
      const { application } = await store.createApplication({
        partnerId: id,
        targetTier: 'premier',
        feeAccountId: '123456789012',
        submittedOn: '2019-07-01',
        submittedBy: 'lead',
      });
      await store.updateApplication(application.id, { ebrWindow: window });
    }
  };

  test('GET /v1/ebrs', async () => {
    await scheduled('2031-Q1', 1);
    await scheduled('2031-Q2', 12);
    for (const role of ['program-admin', 'partner-manager'] as const) {
      const one = await cost(
        '/v1/ebrs?window=2031-Q1',
        await auth(role, role === 'program-admin' ? 'a' : 'pm-2031-Q1'),
      );
      const many = await cost(
        '/v1/ebrs?window=2031-Q2',
        await auth(role, role === 'program-admin' ? 'a' : 'pm-2031-Q2'),
      );
      expect([one.items, many.items]).toEqual([1, 12]);
      expect(many.queries).toBe(one.queries);
    }
  });

  test('GET /v1/partners', async () => {
    for (let i = 0; i < 20; i++) await registered({ evidence: false });
    const admin = await auth('program-admin');
    const one = await cost('/v1/partners?limit=1', admin);
    const many = await cost('/v1/partners?limit=20', admin);
    expect([one.items, many.items]).toEqual([1, 20]);
    expect(many.queries).toBe(one.queries);
  });
});
