/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Issue #14 item 3: an upgrade application is answered (202) once the partner's workflow accepted it — numbered and
 * recorded — not after its own workflow started and evaluated it; its progress is read from the application
 * resource, which answers from the stored application until that workflow answers itself (R-UPGRADE).
 */
import { partnerWorkflowId } from '../../src/workflows/ids';
import { eventually, request, startApiHarness, type ApiHarness } from './harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ businessDate: '2019-06-10' });
}, 300_000);
afterAll(async () => {
  await h?.teardown();
});

test('R-UPGRADE: the 202 goes out before the application workflow starts; its progress is at Location', async () => {
  const id = 'accepted-1';
  const registered = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', await h.auth('program-admin'))
    .send({
      id,
      name: 'Accepted Cloud',
      track: 'consulting',
      tier: 'registered',
      renewalDate: '12-15',
      country: 'US',
      allianceLeadId: 'lead-accepted',
    });
  expect(registered.status).toBe(201);
  const lead = await h.auth('alliance-lead', 'lead-accepted', id);
  const applied = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications`)
    .set('Authorization', lead)
    .send({ targetTier: 'select', feeAccountId: '123456789012' });
  expect(applied.status).toBe(202);
  expect(applied.body).toMatchObject({ number: 1 });

  // Read at once, the application answers (from the store or its workflow), and is decided later.
  const first = await request(h.app)
    .get(applied.headers.location as string)
    .set('Authorization', lead);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ number: 1, targetTier: 'select' });
  await eventually(async () => {
    const res = await request(h.app)
      .get(applied.headers.location as string)
      .set('Authorization', lead);
    const body = res.body as { decision?: unknown };
    return body.decision ? body : undefined;
  }, 'the application decided');

  // The partner's history: the Update's answer precedes the child's start.
  const { events } = await h.server.env.client.workflow.getHandle(partnerWorkflowId(id)).fetchHistory();
  const index = (has: (e: NonNullable<typeof events>[number]) => unknown) => (events ?? []).findIndex((e) => has(e));
  const answered = index((e) => e.workflowExecutionUpdateCompletedEventAttributes);
  const childStarted = index((e) => e.childWorkflowExecutionStartedEventAttributes);
  expect(answered).toBeGreaterThan(0);
  expect(childStarted).toBeGreaterThan(0);
  expect(answered).toBeLessThan(childStarted);
}, 120_000);
