/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Issue #15 item 4: a partner read comes from the store's read model, which the partner's workflow keeps current, so
 * it costs no workflow query and answers while the worker (or Temporal) is gone; `?live=true` asks the workflow, with
 * the stored view as its fallback.
 */
import { partnerWorkflowId } from '../../src/domain/applications';
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import type { PartnerStatus } from '../../src/workflows/types';
import { consultingEvidence } from '../support/evidence';
import { activityCalls } from '../support/history';
import { eventually, request, startApiHarness, type ApiHarness } from './harness';

let h: ApiHarness;
const BUSINESS_DATE = '2019-06-10';

beforeAll(async () => {
  h = await startApiHarness({ businessDate: BUSINESS_DATE });
}, 300_000);
afterAll(async () => {
  await h?.teardown();
});

interface View {
  partner: { id: string; tier: string };
  lifecycle: PartnerStatus | null;
  lifecycleView: { revision: number; asOf: string; writtenAt: string } | null;
}

const registration = (id: string) => ({
  id,
  name: 'Stored Cloud',
  track: 'consulting',
  tier: 'select',
  renewalDate: '12-15',
  country: 'US',
  feeAccountId: '123456789012',
  allianceLeadId: `lead@${id}`,
  partnerManagerIds: ['pm-stored'],
});

async function read(id: string, query = '') {
  const res = await request(h.app)
    .get(`/v1/partners/${id}${query}`)
    .set('Authorization', await h.auth('program-admin'));
  expect(res.status).toBe(200);
  return { res, body: res.body as View, source: res.headers['apn-lifecycle'] as string };
}

/** Waits for a stored view that `accept` likes. */
async function storedView(id: string, what: string, accept: (v: View) => boolean): Promise<View> {
  return await eventually(
    async () => {
      const { body, source } = await read(id);
      return source === 'stored' && accept(body) ? body : undefined;
    },
    what,
    90_000,
  );
}

test('the stored view follows a tier change, its revision grows, and reads never query the workflow', async () => {
  const id = 'stored-follows';
  const created = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', await h.auth('program-admin'))
    .send(registration(id));
  expect(created.status).toBe(201);

  const first = await storedView(id, 'the first stored view', (v) => v.lifecycle?.tier === 'select');
  expect(first.lifecycle).toMatchObject({ partnerId: id, tier: 'select', stage: 'active', today: BUSINESS_DATE });
  expect(first.lifecycleView).toMatchObject({ asOf: BUSINESS_DATE, revision: expect.any(Number) });

  const queries = jest.spyOn(h.lifecycle, 'status');
  try {
    const { res, body } = await read(id);
    expect(queries).not.toHaveBeenCalled();
    expect(res.headers['apn-lifecycle-revision']).toBe(String(body.lifecycleView!.revision));
    expect(res.headers['apn-lifecycle-written-at']).toBe(body.lifecycleView!.writtenAt);
  } finally {
    queries.mockRestore();
  }

  // R-CANCEL: the alliance lead cancels; the workflow drops the tier to registered and stores the new state.
  const cancelled = await request(h.app)
    .post(`/v1/partners/${id}/cancellation-cases`)
    .set('Authorization', await h.auth('alliance-lead', `lead@${id}`, id))
    .send({ reason: 'leaving the program' });
  expect(cancelled.status).toBe(201);
  const after = await storedView(
    id,
    'the stored view after the cancellation',
    (v) => v.lifecycle?.stage === 'cancelled',
  );
  expect(after.lifecycle).toMatchObject({ tier: 'registered', cancelled: true });
  expect(after.partner.tier).toBe('registered');
  expect(after.lifecycleView!.revision).toBeGreaterThan(first.lifecycleView!.revision);

  // The live answer agrees with the stored one.
  const live = await read(id, '?live=true');
  expect(live.source).toBe('live');
  expect(live.body.lifecycleView).toBeNull();
  expect(live.body.lifecycle).toEqual(after.lifecycle);
});

test('a workflow turn that changes nothing visible writes no view: evidence signals leave the revision as it was', async () => {
  const id = 'stored-unchanged';
  const created = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', await h.auth('program-admin'))
    .send(registration(id));
  expect(created.status).toBe(201);
  const handle = h.server.env.client.workflow.getHandle(`partner/${id}`);
  const viewWrites = async () =>
    activityCalls((await handle.fetchHistory()).events).filter((type) => type === 'savePartnerView').length;
  const signals = async () =>
    (await handle.fetchHistory()).events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length ?? 0;
  const idle = async () => {
    const { raw } = await handle.describe();
    return raw.pendingWorkflowTask || (raw.pendingActivities?.length ?? 0) > 0 ? undefined : true;
  };
  const before = await storedView(id, 'the first stored view', (v) => v.lifecycle?.tier === 'select');
  await eventually(idle, 'the workflow to be idle');
  const writesBefore = await viewWrites();
  expect(writesBefore).toBeGreaterThan(0);

  // Each signal is a turn of the main loop; none changes what the status query answers.
  for (let version = 1; version <= 3; version++) await h.lifecycle.evidenceChanged(id, version, BUSINESS_DATE);
  await eventually(async () => ((await signals()) >= 3 ? idle() : undefined), 'the three signals to be handled');

  expect(await viewWrites()).toBe(writesBefore);
  const after = await read(id);
  expect(after.body.lifecycleView!.revision).toBe(before.lifecycleView!.revision);
});

test('an evidence write wakes the workflow only while its look-back is open; the stored view says which', async () => {
  const closed = 'stored-no-look-back';
  const open = 'stored-look-back';
  for (const [id, extra] of [
    [closed, {}],
    [open, { lookBackFrom: '2019-03-01' }],
  ] as const) {
    const created = await request(h.app)
      .post('/v1/partners')
      .set('Authorization', await h.auth('program-admin'))
      .send({ ...registration(id), ...extra });
    expect(created.status).toBe(201);
  }
  const watched = async (id: string) =>
    (await storedView(id, `${id}: a stored view`, (v) => v.lifecycle?.tier === 'select')).lifecycle!.evidenceWatched;
  expect(await watched(closed)).toBe(false);
  expect(await watched(open)).toBe(true);

  const signals = async (id: string) =>
    (await h.server.env.client.workflow.getHandle(`partner/${id}`).fetchHistory()).events?.filter(
      (e) => e.workflowExecutionSignaledEventAttributes,
    ).length ?? 0;
  const feed = await h.auth('evidence-feed', 'feed-1');
  for (const id of [closed, open]) {
    for (const [n, since] of ['2019-01-01', '2019-02-01'].entries()) {
      const put = await request(h.app)
        .put(`/v1/partners/${id}/evidence`)
        .set('Authorization', feed)
        .send(mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', since, `${id}-${n}`)));
      expect({ id, status: put.status, body: put.body }).toEqual({
        id,
        status: 200,
        body: { version: n + 1, created: true, lifecycleNotified: true },
      });
    }
  }
  // The open look-back re-evaluates its months on each new version; the other workflow was never woken.
  await eventually(async () => ((await signals(open)) === 2 ? true : undefined), `${open}: two evidence signals`);
  expect(await signals(closed)).toBe(0);
});

test('?live is true or false, nothing else', async () => {
  const res = await request(h.app)
    .get('/v1/partners/stored-follows?live=yes')
    .set('Authorization', await h.auth('program-admin'));
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.stringify(res.body)).toContain('live');
});

// Last: it stops the worker.
test('a workflow whose task keeps failing answers a read from the store, not 500', async () => {
  // The server refuses a query to a workflow whose task keeps failing with WorkflowNotReady (FAILED_PRECONDITION):
  // under load a partner's task can fail or time out a few times in a row (CI's load test answered a read 500 for
  // one). The live view is missing for now; the stored partner is the answer. Here the task fails because the worker
  // has no such workflow type.
  const id = 'task-failing';
  await h.store.registerPartner({ ...registration(id), track: 'consulting', tier: 'select', feeAccountId: null });
  const handle = await h.lifecycle.client.workflow.start('noSuchWorkflowType', {
    taskQueue: h.taskQueue,
    workflowId: partnerWorkflowId(id),
    args: [],
  });
  await eventually(
    async () => ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 3 || undefined,
    'the workflow task failing three times',
    60_000,
  );
  const { body, source } = await read(id);
  expect({ source, partner: body.partner.id, lifecycle: body.lifecycle }).toEqual({
    source: 'unavailable',
    partner: id,
    lifecycle: null,
  });
  await handle.terminate('test finished');
});

test('with the worker stopped the stored view answers at once; ?live=true waits 2 s at most, then answers it too', async () => {
  const id = 'stored-no-worker';
  const created = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', await h.auth('program-admin'))
    .send(registration(id));
  expect(created.status).toBe(201);
  const stored = await storedView(id, 'the stored view', (v) => v.lifecycle?.tier === 'select');

  await h.stopWorker();

  let started = Date.now();
  const plain = await read(id);
  expect(plain.source).toBe('stored');
  expect(plain.body.lifecycle).toEqual(stored.lifecycle);
  // No query was waited for: a query with no worker to answer it takes the whole 2 s deadline.
  expect(Date.now() - started).toBeLessThan(1_500);

  started = Date.now();
  const live = await read(id, '?live=true');
  expect(live.source).toBe('stored');
  expect(live.body.lifecycle).toEqual(stored.lifecycle);
  expect(live.body.lifecycleView).toEqual(stored.lifecycleView);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  expect(Date.now() - started).toBeLessThan(15_000);
});
