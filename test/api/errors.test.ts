/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Errors and safety without a Temporal server: every error is application/problem+json with the right status,
 * never a stack trace, and a dependency that is down answers 503 — with nothing half-done left behind.
 */
import { ServiceError, type Connection } from '@temporalio/client';
import { toProblemError } from '../../src/api/problem';
import request from 'supertest';
import type { Store } from '../../src/store';
import { openTestStore } from '../support/store';
import { createOfflineApp, type ApiHarness } from './harness';

let store: Store;
let connection: Connection;
let app: Awaited<ReturnType<typeof createOfflineApp>>['app'];
let auth: ApiHarness['auth'];
const extraConnections: Connection[] = [];

/** Another offline app (its own Temporal connection, closed at the end). */
async function build(options: { store: Store; rateLimitPerMinute?: number }) {
  const built = await createOfflineApp(options.store, options);
  extraConnections.push(built.connection);
  return built.app;
}

const registration = {
  id: 'acme',
  name: 'Acme Cloud',
  track: 'consulting',
  tier: 'advanced',
  renewalDate: '12-15',
  country: 'US',
  feeAccountId: '123456789012',
  allianceLeadId: 'lead@acme',
  partnerManagerIds: ['pm-7'],
} as const;

beforeAll(async () => {
  store = await openTestStore();
  ({ app, connection, auth } = await createOfflineApp(store));
  await store.registerPartner({ ...registration, partnerManagerIds: ['pm-7'], id: 'known', feeAccountId: null });
});
afterAll(async () => {
  for (const c of [connection, ...extraConnections]) await c?.close().catch(() => undefined);
  await store?.close();
});

function expectProblem(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    type: expect.stringMatching(/^urn:apn:problem:/),
    status,
    title: expect.any(String),
  });
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
}

test('400 lists every zod issue with its path', async () => {
  const res = await request(app)
    .post('/v1/partners')
    .set('Authorization', await auth('program-admin'))
    .send({ id: 'Bad Id', track: 'consulting', tier: 'premium', renewalDate: '02-30', country: 'usa', extra: 1 });
  expectProblem(res, 400);
  const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
  expect(paths).toEqual(
    expect.arrayContaining([
      'body.allianceLeadId',
      'body.country',
      'body.id',
      'body.name',
      'body.renewalDate',
      'body.tier',
    ]),
  );
  expect(res.body.errors.length).toBeGreaterThanOrEqual(7); // the unknown key `extra` too
});

test('400 for malformed JSON, 415 for a wrong content type, 413 over the body limit', async () => {
  const admin = await auth('program-admin');
  expectProblem(
    await request(app)
      .post('/v1/partners')
      .set('Authorization', admin)
      .set('Content-Type', 'application/json')
      .send('{"id":'),
    400,
  );
  expectProblem(
    await request(app)
      .post('/v1/partners')
      .set('Authorization', admin)
      .set('Content-Type', 'text/plain')
      .send('id=acme'),
    415,
  );
  const big = { ...registration, name: 'x'.repeat(1_100_000) };
  expectProblem(await request(app).post('/v1/partners').set('Authorization', admin).send(big), 413);
});

test('401 without or with a bad token, 403 for a role that may not, 404 for an unknown partner or endpoint', async () => {
  const anonymousGarbage = await request(app)
    .post('/v1/partners')
    .set('Content-Type', 'application/json')
    .send('{"id":');
  expectProblem(anonymousGarbage, 401);
  const none = await request(app).get('/v1/partners');
  expectProblem(none, 401);
  expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
  expectProblem(await request(app).get('/v1/partners').set('Authorization', 'Bearer nonsense'), 401);
  expectProblem(await request(app).get('/v1/partners').set('Authorization', 'Basic YWRtaW46YWRtaW4='), 401);
  expectProblem(
    await request(app)
      .get('/v1/partners')
      .set('Authorization', await auth('evidence-feed')),
    403,
  );
  expectProblem(
    await request(app)
      .get('/v1/partners/nobody/audit')
      .set('Authorization', await auth('program-admin')),
    404,
  );
  expectProblem(
    await request(app)
      .get('/v1/nothing-here')
      .set('Authorization', await auth('program-admin')),
    404,
  );
});

test('503 when Temporal is down: registration starts no workflow and leaves no partner behind', async () => {
  const res = await request(app)
    .post('/v1/partners')
    .set('Authorization', await auth('program-admin'))
    .send({ ...registration, id: 'while-down' });
  expectProblem(res, 503);
  expect(res.headers['retry-after']).toBeDefined();
  expect(await store.getPartner('while-down')).toBeUndefined();
});

test('Temporal down: a partner read answers from the store’s read model, saying the lifecycle is unavailable', async () => {
  const started = Date.now();
  const view = await request(app)
    .get('/v1/partners/known')
    .set('Authorization', await auth('program-admin'));
  expect({ status: view.status, body: view.body as unknown }).toMatchObject({
    status: 200,
    body: { partner: { id: 'known', tier: 'advanced', lifecycleStage: expect.any(String) }, lifecycle: null },
  });
  expect(view.headers['apn-lifecycle']).toBe('unavailable');
  expect(Date.now() - started).toBeLessThan(5_000);
});

test('Temporal down: a partner with a stored view answers it at once, saying it is stored and how fresh', async () => {
  await store.registerPartner({ ...registration, partnerManagerIds: ['pm-7'], id: 'stored', feeAccountId: null });
  const stored = {
    partnerId: 'stored',
    today: '2019-06-01',
    tier: 'registered',
    track: 'consulting',
    stage: 'active',
    cancelled: false,
    atRisk: false,
    nextRenewalReview: '2019-12-15',
    openCases: [],
    monthly: [],
    incidents: [],
    waitingFor: 'a command',
  };
  await store.putPartnerView({ partnerId: 'stored', revision: 3, asOf: '2019-06-01', status: stored });
  const started = Date.now();
  const view = await request(app)
    .get('/v1/partners/stored')
    .set('Authorization', await auth('program-admin'));
  expect({ status: view.status, body: view.body as unknown }).toMatchObject({
    status: 200,
    body: { lifecycle: stored, lifecycleView: { revision: 3, asOf: '2019-06-01' } },
  });
  expect(view.headers['apn-lifecycle']).toBe('stored');
  expect(view.headers['apn-lifecycle-revision']).toBe('3');
  // No query is tried: one against the unreachable server would wait for the 2 s deadline.
  expect(Date.now() - started).toBeLessThan(1_500);
});

test('a Temporal call cancelled by its deadline between retries is a 503, like one past its deadline', () => {
  // What a workflow query answered under 50 readers (bench:reads): gRPC CANCELLED, which was a 500.
  for (const [code, what] of [
    [1, '1 CANCELLED: Call cancelled'],
    [4, '4 DEADLINE_EXCEEDED: Deadline exceeded after 2.010s'],
    [14, '14 UNAVAILABLE: No connection established'],
  ] as const) {
    const error = new ServiceError('Failed to query Workflow', { cause: Object.assign(new Error(what), { code }) });
    expect(toProblemError(error)?.status).toBe(503);
  }
  const other = new ServiceError('Failed', { cause: Object.assign(new Error('3 INVALID_ARGUMENT'), { code: 3 }) });
  expect(toProblemError(other)).toBeUndefined();
});

test('/readyz says which dependency is down; /healthz stays up', async () => {
  const ready = await request(app).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body).toEqual({ status: 'not-ready', temporal: false, store: true });
  expect((await request(app).get('/healthz')).status).toBe(200);
});

test('503 when the store is down', async () => {
  const closed = await openTestStore();
  const down = await build({ store: closed });
  await closed.close();
  const res = await request(down)
    .get('/v1/partners')
    .set('Authorization', await auth('program-admin'));
  expectProblem(res, 503);
});

test('429 per caller over the rate limit, other callers unaffected', async () => {
  const limited = await build({ store, rateLimitPerMinute: 3 });
  const a = await auth('program-admin', 'admin-a');
  for (let i = 0; i < 3; i++)
    expect((await request(limited).get('/v1/partners').set('Authorization', a)).status).toBe(200);
  const over = await request(limited).get('/v1/partners').set('Authorization', a);
  expectProblem(over, 429);
  expect(
    (
      await request(limited)
        .get('/v1/partners')
        .set('Authorization', await auth('program-admin', 'admin-b'))
    ).status,
  ).toBe(200);
});

test('a request id is echoed or generated for every answer', async () => {
  const res = await request(app).get('/healthz').set('X-Request-Id', 'trace-123');
  expect(res.headers['x-request-id']).toBe('trace-123');
  expect((await request(app).get('/healthz')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('GET /openapi.json documents every endpoint from the zod schemas; /docs serves the interactive docs; /metrics', async () => {
  const doc = await request(app).get('/openapi.json');
  expect(doc.status).toBe(200);
  expect(doc.body.openapi).toBe('3.1.0');
  const body = doc.body as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { requestBody: { content: Record<string, { schema: unknown }> }; responses: object }>
    >;
    components: { schemas: object };
  };
  const paths = Object.keys(body.paths);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/v1/partners',
      '/v1/partners/{id}',
      '/v1/partners/{id}/audit',
      '/v1/partners/{id}/evidence',
      '/v1/partners/{id}/evidence/import',
      '/v1/partners/{id}/evidence/individuals',
      '/v1/partners/{id}/evidence/individuals/{key}',
      '/v1/partners/{id}/scorecard',
      '/v1/scorecards/evaluate',
      '/v1/partners/{id}/upgrade-applications',
      '/v1/partners/{id}/upgrade-applications/{appId}',
      '/v1/partners/{id}/upgrade-applications/{appId}/readiness-assessment',
      '/v1/partners/{id}/upgrade-applications/{appId}/ebr-outcome',
      '/v1/ebrs',
      '/v1/partners/{id}/fee-payments',
      '/v1/partners/{id}/fee-extensions',
      '/v1/partners/{id}/cancellation-cases',
      '/v1/partners/{id}/cases',
    ]),
  );
  const register = body.paths['/v1/partners']!.post!;
  expect(register.requestBody.content['application/json']?.schema).toBeDefined();
  expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(['201', '200', '400', '401', '403', '409']));
  expect(JSON.stringify(body.components.schemas)).toContain('renewalDate');

  const docs = await request(app).get('/docs/');
  expect(docs.status).toBe(200);
  expect(docs.text).toMatch(/swagger-ui/i);

  expect(
    (
      await request(app)
        .get('/v1/partners')
        .set('Authorization', await auth('program-admin'))
    ).status,
  ).toBe(200);
  const metrics = await request(app).get('/metrics');
  expect(metrics.status).toBe(200);
  expect(metrics.text).toMatch(
    /apn_http_request_duration_seconds_count\{method="GET",route="\/v1\/partners",status="200"\}/,
  );
});

test('POST /v1/scorecards/evaluate answers the CONTRACT §2 scorecard without touching Temporal', async () => {
  const res = await request(app)
    .post('/v1/scorecards/evaluate')
    .set('Authorization', await auth('alliance-team', 'u', 'known'))
    .send({ asOf: '2019-12-13', evidence: { track: 'technology' } });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    track: 'technology',
    asOf: '2019-12-13',
    editionId: 'apn-2019',
    highestTierMet: 'registered',
  });
  expect(res.body.tiers.premier).toBeUndefined();
});
