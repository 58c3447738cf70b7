/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * R-PREMIER look-back for migrated partners is not a race: whether the evidence feed's PUT lands before, during or
 * after the workflow's look-back checks, the months before registration end up evaluated against the evidence as it
 * stands, and every such month's journal entry says which evidence version it read. Run on a real dev server through
 * the API, many partners at once so the two requests really do interleave. Business date 2019-10-02.
 */
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import type { PartnerStatus } from '../../src/workflows/types';
import { consultingEvidence } from '../support/evidence';
import { eventually, request, startApiHarness, type ApiHarness } from './harness';

const BUSINESS_DATE = '2019-10-02';
const LOOK_BACK_FROM = '2019-04-01';
/** The look-back months (each 1st from April to October) and the registration day itself. */
const CHECKED = ['2019-04-01', '2019-05-01', '2019-06-01', '2019-07-01', '2019-08-01', '2019-09-01', '2019-10-01'];
const RUN = Date.now().toString(36);

let h: ApiHarness;
let admin: string;
let feed: string;
beforeAll(async () => {
  h = await startApiHarness({ businessDate: BUSINESS_DATE });
  admin = await h.auth('program-admin', 'admin-1');
  feed = await h.auth('evidence-feed', 'feed-1');
});
afterAll(async () => {
  await h?.teardown();
});

const register = (id: string) =>
  request(h.app)
    .post('/v1/partners')
    .set('Authorization', admin)
    .send({
      id,
      name: `Migrated ${id}`,
      track: 'consulting',
      tier: 'advanced',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
      allianceLeadId: `lead@${id}`,
      partnerManagerIds: ['pm-1'],
      lookBackFrom: LOOK_BACK_FROM,
    });

/** Evidence meeting Premier since 2019-03-15, so every look-back month meets it. */
const putEvidence = (id: string) =>
  request(h.app)
    .put(`/v1/partners/${id}/evidence`)
    .set('Authorization', feed)
    .send(mergeEvidence(emptyEvidence('consulting'), consultingEvidence('premier', '2019-03-15', id)));

/** The PUT as a feed would send it right behind the registration: retried while the partner is not there yet. */
async function putWhenRegistered(id: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    const res = await putEvidence(id);
    if (res.status === 200) return;
    if (res.status !== 404 || attempt > 200) throw new Error(`PUT evidence of ${id}: ${res.status} ${res.text}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until every look-back month and the registration day meet Premier; a time-out shows the months. */
async function untilSustained(id: string): Promise<PartnerStatus> {
  return await eventually(
    async () => {
      const res = await request(h.app).get(`/v1/partners/${id}`).set('Authorization', admin);
      const lifecycle = (res.body as { lifecycle?: PartnerStatus | null }).lifecycle;
      const months = lifecycle?.monthly ?? [];
      const met = [...CHECKED, BUSINESS_DATE].every((on) => months.find((m) => m.on === on)?.premierMet === true);
      if (!met) throw new Error(`months seen: ${JSON.stringify(lifecycle?.monthly ?? res.body)}`);
      return lifecycle!;
    },
    `${id}: every look-back month to meet Premier`,
    60_000,
  );
}

/** The journal (flushed by the workflow right after its state changed) names the version each month read. */
async function expectJournalNamesVersions(id: string): Promise<void> {
  await eventually(
    async () => {
      const checks = (await h.store.listJournal(id)).filter((e) => e.type === 'monthly-check');
      for (const on of CHECKED) {
        const latest = checks.filter((e) => e.on === on).pop();
        expect({ on, data: latest?.data }).toMatchObject({
          on,
          data: { lookBack: true, premierMet: true, evidenceVersion: 1 },
        });
      }
      return true;
    },
    `${id}: the journal's look-back months to name evidence version 1`,
    30_000,
  );
}

test('R-PREMIER: evidence sent right after the registration counts for every look-back month', async () => {
  const id = `lb-after-${RUN}`;
  expect((await register(id)).status).toBe(201);
  expect((await putEvidence(id)).status).toBe(200);
  await untilSustained(id);
  await expectJournalNamesVersions(id);
});

test('R-PREMIER: evidence landing before, during or after the look-back checks, 16 partners at once — no order loses the streak', async () => {
  const ids = Array.from({ length: 16 }, (_, i) => `lb-race-${RUN}-${i}`);
  await Promise.all(
    ids.map(async (id, i) => {
      if (i % 4 === 0) {
        // Sent together with the registration: the PUT may land before the workflow even starts.
        const [registered] = await Promise.all([register(id), putWhenRegistered(id)]);
        expect(registered.status).toBe(201);
        return;
      }
      // Sent 0–300 ms after the registration answered: while the look-back's monthly checks are running.
      expect((await register(id)).status).toBe(201);
      await new Promise((r) => setTimeout(r, (i % 4) * 25 + Math.floor(i / 4) * 75));
      expect((await putEvidence(id)).status).toBe(200);
    }),
  );
  for (const id of ids) await untilSustained(id);
  for (const id of ids) await expectJournalNamesVersions(id);
});

test('R-PREMIER: a Premier application after the racing evidence counts the look-back months (six months sustained)', async () => {
  const id = `lb-apply-${RUN}`;
  const lead = await h.auth('alliance-lead', `lead@${id}`, id);
  const [registered] = await Promise.all([register(id), putWhenRegistered(id)]);
  expect(registered.status).toBe(201);
  const applied = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications`)
    .set('Authorization', lead)
    .send({ targetTier: 'premier', feeAccountId: '123456789012' });
  expect(applied.status).toBe(202);
  const application = await eventually(
    async () => {
      const res = await request(h.app).get(`/v1/partners/${id}/upgrade-applications/1`).set('Authorization', admin);
      const body = res.body as { stage?: string; sustainedSince?: string; sustainedMonths?: number };
      return body.stage && body.stage !== 'evaluating' && body.stage !== 'sustaining' ? body : undefined;
    },
    `application #1 of ${id} to leave the sustaining stage`,
    60_000,
  );
  expect(application).toMatchObject({ stage: 'awaiting-readiness', sustainedSince: LOOK_BACK_FROM });
});

test('R-PREMIER: evidence changed again before the first regular monthly check re-evaluates the look-back', async () => {
  const id = `lb-change-${RUN}`;
  expect((await register(id)).status).toBe(201);
  expect((await putEvidence(id)).status).toBe(200);
  await untilSustained(id);
  // The feed replaces the evidence with a document that no longer meets Premier (no people at all).
  const emptied = await request(h.app)
    .put(`/v1/partners/${id}/evidence`)
    .set('Authorization', feed)
    .send(emptyEvidence('consulting'));
  expect(emptied.status).toBe(200);
  await eventually(
    async () => {
      const res = await request(h.app).get(`/v1/partners/${id}`).set('Authorization', admin);
      const months = (res.body as { lifecycle?: PartnerStatus }).lifecycle?.monthly ?? [];
      return CHECKED.every((on) => months.find((m) => m.on === on && m.evidenceVersion === 2)?.premierMet === false)
        ? true
        : undefined;
    },
    `${id}: the look-back re-evaluated with evidence version 2`,
    60_000,
  );
});
