/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The whole story through the HTTP API, end to end on a real Temporal dev server and store: an admin registers a
 * partner migrated mid-way (look-back), the evidence feed sends its evidence, the Alliance Lead applies for
 * Premier, the Partner Manager records readiness and the EBR outcome — and Premier shows through GET and through a
 * Temporal visibility query. Business time is 2019-10-02, inside the Q3 2019 EBR window (R-EBR).
 */
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import { consultingEvidence } from '../support/evidence';
import { eventually, request, startApiHarness, type ApiHarness } from './harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ businessDate: '2019-10-02' });
});
afterAll(async () => {
  await h?.teardown();
});

const evidence = mergeEvidence(emptyEvidence('consulting'), consultingEvidence('premier', '2019-03-15', 'story'));

test('R-PREMIER, R-EBR: register → evidence → apply for Premier → readiness → EBR approved → Premier in GET and in visibility', async () => {
  const id = `story-${Date.now().toString(36)}`;
  const admin = await h.auth('program-admin', 'admin-1');
  const feed = await h.auth('evidence-feed', 'feed');
  const lead = await h.auth('alliance-lead', 'lead@story', id);
  const pm = await h.auth('partner-manager', 'pm-7');

  const registered = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', admin)
    .send({
      id,
      name: 'Story Cloud',
      track: 'consulting',
      tier: 'advanced',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
      allianceLeadId: 'lead@story',
      partnerManagerIds: ['pm-7'],
      lookBackFrom: '2019-04-01',
    });
  expect(registered.status).toBe(201);
  expect(registered.headers.location).toBe(`/v1/partners/${id}`);

  const put = await request(h.app).put(`/v1/partners/${id}/evidence`).set('Authorization', feed).send(evidence);
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ version: 1, created: true, lifecycleNotified: true });

  // An EBR outcome with no EBR scheduled is refused by the state, and changes nothing.
  const applied = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications`)
    .set('Authorization', lead)
    .send({ targetTier: 'premier', feeAccountId: '123456789012' });
  expect(applied.status).toBe(202);
  expect(applied.headers.location).toBe(`/v1/partners/${id}/upgrade-applications/1`);

  const second = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications`)
    .set('Authorization', lead)
    .send({ targetTier: 'premier', feeAccountId: '123456789012' });
  expect(second.status).toBe(409);
  expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(second.body.detail).toMatch(/still open/);

  const awaiting = await eventually(async () => {
    const res = await request(h.app).get(`/v1/partners/${id}/upgrade-applications/1`).set('Authorization', lead);
    const body = res.body as { stage?: string; sustainedMonths: number };
    return res.status === 200 && body.stage === 'awaiting-readiness' ? body : undefined;
  }, 'the application to await readiness');
  expect(awaiting.sustainedMonths).toBeGreaterThanOrEqual(6);

  const early = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications/1/ebr-outcome`)
    .set('Authorization', pm)
    .send({ outcome: 'approved' });
  expect(early.status).toBe(409);
  expect(early.body.detail).toMatch(/no EBR is scheduled/);

  const ready = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications/1/readiness-assessment`)
    .set('Authorization', pm)
    .send({ outcome: 'passed', notes: 'strong practice' });
  expect(ready.status).toBe(200);

  await eventually(async () => {
    const res = await request(h.app).get(`/v1/partners/${id}/upgrade-applications/1`).set('Authorization', pm);
    const body = res.body as { stage?: string };
    return body.stage === 'scheduled-for-ebr' ? body : undefined;
  }, 'the EBR to be scheduled');

  const ebrs = await request(h.app).get('/v1/ebrs?window=2019-Q3').set('Authorization', pm);
  expect(ebrs.status).toBe(200);
  expect(ebrs.body.items).toEqual([expect.objectContaining({ partnerId: id, application: 1, window: '2019-Q3' })]);

  const outcome = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications/1/ebr-outcome`)
    .set('Authorization', pm)
    .send({ outcome: 'approved', notes: 'well prepared' });
  expect(outcome.status).toBe(200);

  const view = await eventually(async () => {
    const res = await request(h.app).get(`/v1/partners/${id}`).set('Authorization', lead);
    const body = res.body as {
      lifecycle?: { tier: string };
      partner: { tier: string };
      scorecard: { highestTierMet: string };
    };
    // The workflow decides first; the store's row follows once its tier-change activity has run.
    return body.lifecycle?.tier === 'premier' && body.partner.tier === 'premier' ? body : undefined;
  }, 'the partner to be Premier');
  expect(view.partner.tier).toBe('premier');
  expect(view.scorecard.highestTierMet).toBe('premier');
  const live = await request(h.app).get(`/v1/partners/${id}?live=true`).set('Authorization', lead);
  expect(live.headers['apn-lifecycle']).toBe('live');
  expect((live.body as { lifecycle: { tier: string } }).lifecycle.tier).toBe('premier');

  const audit = await request(h.app).get(`/v1/partners/${id}/audit`).set('Authorization', admin);
  expect(audit.body.items).toEqual([
    expect.objectContaining({ from: 'advanced', to: 'premier', on: '2019-10-02', by: 'pm-7' }),
  ]);

  const found = await eventually(async () => {
    const ids: string[] = [];
    for await (const wf of h.server.env.client.workflow.list({
      query: `ApnPartnerId = '${id}' AND ApnTier = 'premier' AND WorkflowType = 'partnerLifecycle'`,
    })) {
      ids.push(wf.workflowId);
    }
    return ids.length > 0 ? ids : undefined;
  }, 'the visibility query to find the Premier partner');
  expect(found).toEqual([`partner/${id}`]);

  // Cancelling twice: the second is refused by the state (R-CANCEL, R-CASE).
  const cancel = await request(h.app).post(`/v1/partners/${id}/cancellation-cases`).set('Authorization', lead).send({});
  expect(cancel.status).toBe(201);
  const again = await request(h.app).post(`/v1/partners/${id}/cancellation-cases`).set('Authorization', lead).send({});
  expect(again.status).toBe(409);
  expect(again.body.detail).toMatch(/already cancelled/);
  const cases = await request(h.app).get(`/v1/partners/${id}/cases`).set('Authorization', lead);
  expect(cases.body.items).toEqual([expect.objectContaining({ reason: 'cancellation-requested' })]);
});
