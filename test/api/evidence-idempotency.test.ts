/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The evidence feed through the API (whole document, items, CSV import) and Idempotency-Key replays, end to end on
 * a real Temporal dev server and store.
 */
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import { consultingEvidence } from '../support/evidence';
import { updateIdFor } from '../../src/api/route';
import { eventually, request, startApiHarness, type ApiHarness } from './harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ businessDate: '2019-06-03' });
});
afterAll(async () => {
  await h?.teardown();
});

let seq = 0;
async function registerPartner(tier: 'registered' | 'select' | 'advanced' = 'registered'): Promise<string> {
  seq += 1;
  const id = `ev-${Date.now().toString(36)}-${seq}`;
  const res = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', await h.auth('program-admin'))
    .send({
      id,
      name: `Partner ${id}`,
      track: 'consulting',
      tier,
      renewalDate: '03-01',
      country: 'US',
      ...(tier === 'registered' ? {} : { feeAccountId: '123456789012' }),
      allianceLeadId: 'lead',
      partnerManagerIds: ['pm-1'],
    });
  expect(res.status).toBe(201);
  return id;
}

const individual = {
  id: 'u-new',
  registeredOn: '2019-01-02',
  leftOn: null,
  credentials: [{ type: 'accreditation', name: 'technical-professional', earnedOn: '2019-02-01' }],
};

describe('evidence feed', () => {
  test('PUT stores the whole document as a new version; the same document again stores nothing; another track is refused', async () => {
    const id = await registerPartner();
    const feed = await h.auth('evidence-feed');
    const doc = mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', '2019-05-01', 'put'));
    const first = await request(h.app).put(`/v1/partners/${id}/evidence`).set('Authorization', feed).send(doc);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ version: 1, created: true, lifecycleNotified: true });
    const again = await request(h.app).put(`/v1/partners/${id}/evidence`).set('Authorization', feed).send(doc);
    expect(again.body).toMatchObject({ version: 1, created: false });
    const wrong = await request(h.app)
      .put(`/v1/partners/${id}/evidence`)
      .set('Authorization', feed)
      .send({ track: 'technology' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ path: 'body.track' })]);
    const misspelt = await request(h.app)
      .put(`/v1/partners/${id}/evidence`)
      .set('Authorization', feed)
      .send({ track: 'consulting', individual: [] });
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.errors).toEqual([expect.objectContaining({ path: 'body.individual' })]);
    const read = await request(h.app)
      .get(`/v1/partners/${id}/evidence`)
      .set('Authorization', await h.auth('program-admin'));
    expect(read.body).toMatchObject({ version: 1, recordedOn: '2019-06-03' });
    const scorecard = await request(h.app)
      .get(`/v1/partners/${id}/scorecard?asOf=2019-06-01`)
      .set('Authorization', await h.auth('alliance-team', 'team', id));
    expect(scorecard.status).toBe(200);
    expect(scorecard.body.highestTierMet).toBe('select');
  });

  test('items: add (201), duplicate key (409), remove with its credentials (200), unknown key (404)', async () => {
    const id = await registerPartner();
    const feed = await h.auth('evidence-feed');
    const added = await request(h.app)
      .post(`/v1/partners/${id}/evidence/individuals`)
      .set('Authorization', feed)
      .send(individual);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ version: 1, created: true });
    const duplicate = await request(h.app)
      .post(`/v1/partners/${id}/evidence/individuals`)
      .set('Authorization', feed)
      .send(individual);
    expect(duplicate.status).toBe(409);
    const credential = await request(h.app)
      .post(`/v1/partners/${id}/evidence/credentials`)
      .set('Authorization', feed)
      .send({ individualId: 'u-new', type: 'accreditation', name: 'business-professional', earnedOn: '2019-03-01' });
    expect(credential.status).toBe(201);
    const removed = await request(h.app)
      .delete(`/v1/partners/${id}/evidence/individuals/u-new`)
      .set('Authorization', feed);
    expect(removed.status).toBe(200);
    expect(removed.body.version).toBe(3);
    const gone = await request(h.app)
      .delete(`/v1/partners/${id}/evidence/individuals/u-new`)
      .set('Authorization', feed);
    expect(gone.status).toBe(404);
    const read = await request(h.app).get(`/v1/partners/${id}/evidence`).set('Authorization', feed);
    expect(read.body.document.individuals).toEqual([]);
  });

  test('CSV import of an ACE opportunity export; a bad file lists every row and column and stores nothing', async () => {
    const id = await registerPartner();
    const feed = await h.auth('evidence-feed');
    const csv = [
      'Opportunity ID,Stage,Launch Date,Estimated AWS Monthly Recurring Revenue,Opportunity Source',
      'o-1,Launched,05/01/2019,600,Partner Referral',
      'o-2,launched,2019-05-02,700,partner',
    ].join('\n');
    const imported = await request(h.app)
      .post(`/v1/partners/${id}/evidence/import?kind=opportunities`)
      .set('Authorization', feed)
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ version: 1, created: true, added: 2, updated: 0, removed: 0 });

    const bad = [
      'Opportunity ID,Stage,Launch Date,Estimated MRR,Source',
      'o-3,Launched,2019-13-01,-5,partner',
      'o-4,flying,,10,partner',
    ].join('\n');
    const refused = await request(h.app)
      .post(`/v1/partners/${id}/evidence/import?kind=opportunities`)
      .set('Authorization', feed)
      .set('Content-Type', 'text/csv')
      .send(bad);
    expect(refused.status).toBe(400);
    const paths = (refused.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths.some((p) => p.startsWith('row 2'))).toBe(true);
    expect(paths.some((p) => p.startsWith('row 3'))).toBe(true);
    const read = await request(h.app).get(`/v1/partners/${id}/evidence`).set('Authorization', feed);
    expect(read.body.version).toBe(1);

    const asJson = await request(h.app)
      .post(`/v1/partners/${id}/evidence/import?kind=opportunities`)
      .set('Authorization', feed)
      .send({ csv });
    expect(asJson.status).toBe(415);
  });
});

describe('Idempotency-Key', () => {
  test('a replayed application returns the first answer and starts nothing more; the key on another body is refused', async () => {
    const id = await registerPartner('registered');
    await request(h.app)
      .put(`/v1/partners/${id}/evidence`)
      .set('Authorization', await h.auth('evidence-feed'))
      .send(mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', '2019-05-01', 'idem')));
    const lead = await h.auth('alliance-lead', 'lead', id);
    const body = { targetTier: 'select', feeAccountId: '123456789012' };
    const first = await request(h.app)
      .post(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', lead)
      .set('Idempotency-Key', 'apply-1')
      .send(body);
    expect(first.status).toBe(202);
    const replay = await request(h.app)
      .post(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', lead)
      .set('Idempotency-Key', 'apply-1')
      .send(body);
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.location).toBe(first.headers.location);

    const reused = await request(h.app)
      .post(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', lead)
      .set('Idempotency-Key', 'apply-1')
      .send({ ...body, feeAccountId: '210987654321' });
    expect(reused.status).toBe(422);

    // Approved by the rules engine (R-UPGRADE) and invoiced (R-FEE): exactly one application and one invoice.
    await eventually(async () => {
      const res = await request(h.app).get(`/v1/partners/${id}/invoices`).set('Authorization', lead);
      return (res.body.items as unknown[]).length > 0 ? true : undefined;
    }, 'the upgrade invoice');
    const apps = await request(h.app).get(`/v1/partners/${id}/upgrade-applications`).set('Authorization', lead);
    expect(apps.body.items).toHaveLength(1);
    const invoices = await request(h.app).get(`/v1/partners/${id}/invoices`).set('Authorization', lead);
    expect(invoices.body.items).toHaveLength(1);
  });

  test('a retry after a crash whose answer was never recorded attaches to the first Temporal Update', async () => {
    const id = await registerPartner('registered');
    await request(h.app)
      .put(`/v1/partners/${id}/evidence`)
      .set('Authorization', await h.auth('evidence-feed'))
      .send(mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', '2019-05-01', 'crash')));
    // The first attempt reached the workflow, then the API died before recording the key's answer.
    const first = await h.lifecycle.apply(
      id,
      { targetTier: 'select', feeAccountId: '123456789012', by: 'lead' },
      { updateId: updateIdFor('alliance-lead:lead', 'apply-crash') },
    );
    const retry = await request(h.app)
      .post(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', await h.auth('alliance-lead', 'lead', id))
      .set('Idempotency-Key', 'apply-crash')
      .send({ targetTier: 'select', feeAccountId: '123456789012' });
    expect({ status: retry.status, body: retry.body as unknown }).toMatchObject({
      status: 202,
      body: { number: first.number, workflowId: first.workflowId },
    });
    const apps = await request(h.app)
      .get(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', await h.auth('program-admin'));
    expect(apps.body.items).toHaveLength(1);
  });

  test('a dead worker holds no step for long: every activity the partner and its application ran may take 15 s at most', async () => {
    // Issue #15 item 5: with a 1-minute start-to-close (and no heartbeat), an attempt held by a killed worker blocked
    // its partner for about 75 s before Temporal retried it elsewhere.
    const id = await registerPartner('registered');
    await request(h.app)
      .put(`/v1/partners/${id}/evidence`)
      .set('Authorization', await h.auth('evidence-feed'))
      .send(mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', '2019-05-01', 'timeouts')));
    const applied = await request(h.app)
      .post(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', await h.auth('alliance-lead', 'lead', id))
      .send({ targetTier: 'select', feeAccountId: '123456789012' });
    expect(applied.status).toBe(202);
    const admin = await h.auth('program-admin');
    await eventually(async () => {
      const res = await request(h.app).get(`/v1/partners/${id}/upgrade-applications/1`).set('Authorization', admin);
      return ['approved', 'rejected'].includes((res.body as { stage?: string }).stage ?? '') ? true : undefined;
    }, 'the application to be decided');
    const scheduled: { workflow: string; activity: string; seconds: number }[] = [];
    for (const workflowId of [`partner/${id}`, (applied.body as { workflowId: string }).workflowId]) {
      const history = await h.server.env.client.workflow.getHandle(workflowId).fetchHistory();
      for (const event of history.events ?? []) {
        const attributes = event.activityTaskScheduledEventAttributes;
        if (!attributes) continue;
        scheduled.push({
          workflow: workflowId,
          activity: attributes.activityType?.name ?? '?',
          seconds: Number(attributes.startToCloseTimeout?.seconds ?? Infinity),
        });
      }
    }
    // The partner's calls on this path (the evaluation, the application's row, the journal) run as local activities
    // with the same options (src/workflows/common.ts); the application schedules its own.
    expect(scheduled.map((s) => s.workflow)).toContain((applied.body as { workflowId: string }).workflowId);
    expect(scheduled.filter((s) => !(s.seconds <= 15))).toEqual([]);
  });

  test('a refusal is replayed too, and a registration replay answers 201 again without a second partner', async () => {
    const id = await registerPartner('advanced');
    const lead = await h.auth('alliance-lead', 'lead', id);
    const skip = { targetTier: 'select', feeAccountId: '123456789012' };
    const first = await request(h.app)
      .post(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', lead)
      .set('Idempotency-Key', 'skip-1')
      .send(skip);
    expect(first.status).toBe(409);
    const replay = await request(h.app)
      .post(`/v1/partners/${id}/upgrade-applications`)
      .set('Authorization', lead)
      .set('Idempotency-Key', 'skip-1')
      .send(skip);
    expect(replay.status).toBe(409);
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replay.body.detail).toBe(first.body.detail);

    const admin = await h.auth('program-admin');
    const registration = {
      id: `${id}-b`,
      name: 'Replay Co',
      track: 'technology',
      tier: 'select',
      renewalDate: '07-01',
      country: 'DE',
      feeAccountId: '123456789012',
      allianceLeadId: 'lead-b',
    };
    const created = await request(h.app)
      .post('/v1/partners')
      .set('Authorization', admin)
      .set('Idempotency-Key', 'reg-1')
      .send(registration);
    expect(created.status).toBe(201);
    const replayed = await request(h.app)
      .post('/v1/partners')
      .set('Authorization', admin)
      .set('Idempotency-Key', 'reg-1')
      .send(registration);
    expect(replayed.status).toBe(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    // Without the key the same registration is a plain 200, different data a 409 (R-CASE audit stays single).
    expect((await request(h.app).post('/v1/partners').set('Authorization', admin).send(registration)).status).toBe(200);
    const changed = await request(h.app)
      .post('/v1/partners')
      .set('Authorization', admin)
      .send({ ...registration, name: 'Other' });
    expect(changed.status).toBe(409);
    const list = await request(h.app).get('/v1/partners?track=technology').set('Authorization', admin);
    expect((list.body.items as { id: string }[]).filter((p) => p.id === registration.id)).toHaveLength(1);
  });
});
